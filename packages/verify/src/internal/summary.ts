/** Counting and ordering report entries for the text and markdown views and failure messages. */
import { visibleControls as show } from '@talos-kmod/common';
import { isFailing, type CertificateReport, type Check, type VerifyReport } from '../report';

const severityRank = { error: 0, warning: 1, info: 2 } as const;

/** Failing checks first (errors, warnings, infos), then passes; stable otherwise. */
export function orderedChecks(report: VerifyReport): Check[] {
  const rank = (c: Check) => (c.status === 'fail' ? severityRank[c.severity] : 3);
  return [...report.checks]
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
    .map(({ c }) => c);
}

/** Counts of failing checks by severity. */
export function failureCounts(report: VerifyReport): {
  errors: number;
  warnings: number;
  notes: number;
} {
  const fails = report.checks.filter((c) => c.status === 'fail');
  return {
    errors: fails.filter((c) => c.severity === 'error').length,
    warnings: fails.filter((c) => c.severity === 'warning').length,
    notes: fails.filter((c) => c.severity === 'info').length,
  };
}

/** `2 errors, 1 warning`. */
export function describeCounts(report: VerifyReport): string {
  const { errors, warnings } = failureCounts(report);
  const part = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${part(errors, 'error')}, ${part(warnings, 'warning')}`;
}

/**
 * One paragraph for a failed run: what failed (the first few failing checks with platform and
 * path) and where the full report is.
 */
export function failureMessage(report: VerifyReport, reportPath?: string): string {
  const failing = groupChecks(report).filter((g) => isFailing(g.first, report.failOn));
  const lines = failing.slice(0, 5).map(
    (g) =>
      // image-derived text on one line, without escape sequences: this reaches terminals and logs
      `${g.id}${g.platform ? ` [${g.platform}]` : ''}: ${show(g.first.message)}${g.count > 1 ? ` (and ${g.count - 1} more like it: ${show(somePaths(g.paths.slice(1)))})` : ''}`,
  );
  const more = failing.length > 5 ? `\n…and ${failing.length - 5} more` : '';
  const where = reportPath ? `\nFull report: ${reportPath}` : '';
  return `verify-image failed for ${show(report.image)} (${describeCounts(report)}, fail-on ${report.failOn}):\n${lines.join('\n')}${more}${where}`;
}

/** Failing checks of one id, severity and platform, shown as one line (JSON keeps every one). */
export interface CheckGroup {
  readonly id: string;
  readonly severity: Check['severity'];
  readonly status: Check['status'];
  readonly platform?: string;
  /** The first check of the group, in report order. */
  readonly first: Check;
  readonly count: number;
  /** The paths of the group's checks, in report order (those that have one). */
  readonly paths: readonly string[];
}

/**
 * Groups {@link orderedChecks}: failures by id, severity and platform (a kernel image missing
 * 2,030 firmware files is one line), passes by id and message. Order is kept by first occurrence.
 */
export function groupChecks(report: VerifyReport): CheckGroup[] {
  const groups = new Map<string, { first: Check; count: number; paths: string[] }>();
  for (const c of orderedChecks(report)) {
    const key =
      c.status === 'fail'
        ? `fail\u0000${c.id}\u0000${c.severity}\u0000${c.platform ?? ''}`
        : `pass\u0000${c.id}\u0000${c.platform ?? ''}\u0000${c.message}`;
    const g = groups.get(key);
    if (g) {
      g.count++;
      if (c.path) g.paths.push(c.path);
    } else {
      groups.set(key, { first: c, count: 1, paths: c.path ? [c.path] : [] });
    }
  }
  return [...groups.values()].map((g) => ({
    id: g.first.id,
    severity: g.first.severity,
    status: g.first.status,
    ...(g.first.platform ? { platform: g.first.platform } : {}),
    first: g.first,
    count: g.count,
    paths: g.paths,
  }));
}

/** `a, b, c and 2,027 more`. */
export function somePaths(paths: readonly string[], max = 3): string {
  const more = paths.length - max;
  return `${paths.slice(0, max).join(', ')}${more > 0 ? ` and ${String(more).replace(/\B(?=(\d{3})+(?!\d))/g, ',')} more` : ''}`;
}

/** The distinct kernel certificates the platforms were proven with. */
export function reportCertificates(report: VerifyReport): CertificateReport[] {
  const seen = new Map<string, CertificateReport>();
  for (const p of report.platforms) {
    for (const c of p.certificates ?? []) seen.set(`${c.sha256Fingerprint}\u0000${c.source}`, c);
  }
  return [...seen.values()];
}
