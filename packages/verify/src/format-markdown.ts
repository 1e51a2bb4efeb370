/** The report as GitHub-flavoured markdown for the job summary: verdict and tables. */
import { markdownCode, markdownText } from '@talos-kmod/common';
import type { VerifyReport } from './report';
import {
  describeCounts,
  groupChecks,
  orderedChecks,
  reportCertificates,
  somePaths,
} from './internal/summary';
import { installersMarkdown } from './internal/installer/format-installers';

/** Options for {@link formatReportMarkdown}. */
export interface MarkdownFormatOptions {
  /** Rows of the checks and modules tables (defaults 200 and 100); the rest are counted. */
  maxChecks?: number;
  maxModules?: number;
}

/** Literal text for a table cell (image-derived strings never become markup). */
function cell(text: string | undefined): string {
  return markdownText(text ?? '');
}

/** A code span for a table cell. */
function code(text: string | undefined): string {
  return text ? markdownCode(text, { inTable: true }) : '';
}

const icons = { pass: '✅', error: '❌', warning: '⚠️', info: 'ℹ️' } as const;

const proofText = {
  certificate: '🔏 kernel certificate',
  'key-id': 'key id of in-tree modules',
  none: 'none',
} as const;

/**
 * Renders `report` as markdown: verdict, kernel certificates, platforms with their signature
 * proof, failed checks (repeated failures of one check as one row with a count), passes, modules
 * with their verdict and certificate fingerprint.
 */
export function formatReportMarkdown(
  report: VerifyReport,
  options: MarkdownFormatOptions = {},
): string {
  const maxChecks = options.maxChecks ?? 200;
  const maxModules = options.maxModules ?? 100;
  const lines: string[] = [];
  lines.push(`## ${report.passed ? '✅ verify-image passed' : '❌ verify-image failed'}`, '');
  lines.push(
    `${markdownCode(report.image)}: ${describeCounts(report)} (fail-on ${report.failOn})${report.kernelImage ? `; kernel image ${markdownCode(report.kernelImage)}` : ''}${report.kernelRelease ? `; kernel release ${markdownCode(report.kernelRelease)}` : ''}`,
    '',
  );
  const certificates = reportCertificates(report);
  for (const c of certificates) {
    lines.push(
      `Kernel certificate: ${cell(c.subject)}, serial ${code(c.serialNumber)}, ${cell(c.key)}, SHA-256 ${code(c.sha256Fingerprint)} (from ${code(c.source)})`,
      '',
    );
  }
  lines.push(
    '| Platform | Kind | Kernel release | Modules | Signature proof | Result |',
    '|---|---|---|---|---|---|',
  );
  for (const p of report.platforms) {
    lines.push(
      `| ${cell(p.platform ?? 'directory')} | ${cell(p.kind)} | ${cell(p.kernelRelease)} | ${p.moduleCount} | ${proofText[p.proof]} | ${p.passed ? '✅ passed' : '❌ failed'} |`,
    );
  }
  lines.push(...installersMarkdown(report.installers ?? []));
  const checks = orderedChecks(report);
  const failing = groupChecks(report).filter((g) => g.status === 'fail');
  if (failing.length > 0) {
    lines.push(
      '',
      '### Failed checks',
      '',
      '| | Check | Platform | Count | Path | Message |',
      '|---|---|---|---|---|---|',
    );
    for (const g of failing.slice(0, maxChecks)) {
      const c = g.first;
      const path = c.path ? `${c.path}${c.line ? `:${c.line}` : ''}` : undefined;
      const more =
        g.count > 1
          ? `<br>…and ${g.count - 1} more like it${g.paths.length > 1 ? `: ${cell(somePaths(g.paths.slice(1)))}` : ''}`
          : '';
      lines.push(
        `| ${icons[c.severity]} | ${code(c.id)} | ${cell(c.platform)} | ${g.count} | ${path ? code(path) : ''} | ${cell(c.message)}${more} |`,
      );
    }
    if (failing.length > maxChecks)
      lines.push('', `…and ${failing.length - maxChecks} more checks in the JSON report.`);
  }
  // passes that read the same on every platform are one row
  const passes = new Map<string, { id: string; message: string; platforms: string[] }>();
  for (const c of checks.filter((x) => x.status === 'pass')) {
    const key = `${c.id}\u0000${c.message}`;
    const row = passes.get(key) ?? { id: c.id, message: c.message, platforms: [] };
    if (c.platform) row.platforms.push(c.platform);
    passes.set(key, row);
  }
  lines.push(
    '',
    `<details><summary>${passes.size} passed checks</summary>`,
    '',
    '| | Check | Platform | Result |',
    '|---|---|---|---|',
  );
  for (const row of [...passes.values()].slice(0, maxChecks)) {
    lines.push(
      `| ${icons.pass} | ${code(row.id)} | ${cell(row.platforms.join(', '))} | ${cell(row.message)} |`,
    );
  }
  lines.push('', '</details>');
  if (report.modules.length > 0) {
    lines.push(
      '',
      '### Modules',
      '',
      '| Module | Platform | Signed | Signer | Key | Hash | Verdict | Certificate | Vermagic |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const m of report.modules.slice(0, maxModules)) {
      const verdict = m.verdict ? `${m.verdict === 'verified' ? '✅' : '❌'} ${m.verdict}` : '';
      const cert = m.certificate ? code(`${m.certificate.slice(0, 23)}…`) : '';
      lines.push(
        `| ${code(m.name)} | ${cell(m.platform)} | ${m.signed ? 'yes' : '❌ no'} | ${cell(m.signer)} | ${code(m.key)} | ${cell(m.hash)} | ${verdict} | ${cert} | ${cell(m.vermagic?.split(' ')[0])} |`,
      );
    }
    if (report.modules.length > maxModules)
      lines.push('', `…and ${report.modules.length - maxModules} more modules in the JSON report.`);
  }
  return `${lines.join('\n')}\n`;
}
