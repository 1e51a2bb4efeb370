/** Counting and ordering report entries for the text and markdown views and failure messages. */
import { isFailing, type Check, type VerifyReport } from '../report';

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
  const failing = orderedChecks(report).filter((c) => isFailing(c, report.failOn));
  const lines = failing
    .slice(0, 5)
    .map((c) => `${c.id}${c.platform ? ` [${c.platform}]` : ''}: ${c.message}`);
  const more = failing.length > 5 ? `\n…and ${failing.length - 5} more` : '';
  const where = reportPath ? `\nFull report: ${reportPath}` : '';
  return `verify-image failed for ${report.image} (${describeCounts(report)}, fail-on ${report.failOn}):\n${lines.join('\n')}${more}${where}`;
}
