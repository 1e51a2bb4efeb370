/** The report as readable text for a terminal (the CLI's default output). */
import { visibleControls as show } from '@talos-kmod/common';
import type { Check, VerifyReport } from './report';
import { describeCounts, groupChecks, reportCertificates, somePaths } from './internal/summary';
import { installersText } from './internal/installer/format-installers';

/** Options for {@link formatReportText}. */
export interface TextFormatOptions {
  /** ANSI colours (when stdout is a TTY). */
  color: boolean;
  /** List at most this many passing checks and modules (default 40 modules; every check). */
  maxModules?: number;
}

function paint(on: boolean) {
  const wrap = (code: string) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);
  return {
    red: wrap('31'),
    yellow: wrap('33'),
    green: wrap('32'),
    dim: wrap('2'),
    bold: wrap('1'),
  };
}

function mark(c: Check, p: ReturnType<typeof paint>): string {
  if (c.status === 'pass') return p.green('✓');
  if (c.severity === 'error') return p.red('✗');
  if (c.severity === 'warning') return p.yellow('!');
  return p.dim('i');
}

/**
 * Renders `report`: verdict, kernel certificates, platforms with their proof, checks (failures
 * first; repeated failures of one check as one line with a count and the first paths), modules
 * with their signature verdict.
 */
export function formatReportText(report: VerifyReport, options: TextFormatOptions): string {
  const p = paint(options.color);
  const out: string[] = [];
  const verdict = report.passed ? p.green(p.bold('PASSED')) : p.red(p.bold('FAILED'));
  // image-derived strings go through show(): a newline or an escape sequence in a module name
  // must not start a line of its own (a forged PASSED, a workflow command) or repaint the terminal
  out.push(
    `${verdict} ${show(report.image)} (${describeCounts(report)}; fail-on ${report.failOn})`,
  );
  if (report.kernelImage) out.push(`  kernel image: ${show(report.kernelImage)}`);
  if (report.kernelCert) out.push(`  kernel-cert: ${show(report.kernelCert)}`);
  if (report.kernelRelease) out.push(`  kernel release: ${report.kernelRelease}`);
  for (const c of reportCertificates(report)) {
    out.push(
      `  kernel certificate: ${show(c.subject)}, serial ${c.serialNumber}, ${c.key}, SHA-256 ${c.sha256Fingerprint} (${show(c.source)})`,
    );
  }
  for (const pl of report.platforms) {
    out.push(
      `  ${pl.platform ?? 'directory'}: ${pl.kind}, ${pl.moduleCount} module(s)${pl.kernelRelease ? `, release ${pl.kernelRelease}` : ''}, signatures proven by ${pl.proof}${pl.digest ? `, ${pl.digest.slice(0, 19)}…` : ''} — ${pl.passed ? p.green('passed') : p.red('failed')}`,
    );
  }
  out.push(...installersText(report.installers ?? []));
  out.push('', p.bold('Checks'));
  const multi = report.platforms.length > 1;
  for (const g of groupChecks(report)) {
    const c = g.first;
    const where = c.path ? `${show(c.path)}${c.line ? `:${c.line}` : ''}: ` : '';
    const text =
      c.status === 'pass'
        ? p.dim(show(c.message))
        : !c.path || c.message.includes(c.path)
          ? show(c.message)
          : `${where}${show(c.message)}`;
    const times = g.count > 1 ? ` ×${g.count}` : '';
    out.push(
      `  ${mark(c, p)} ${c.id}${multi && c.platform ? ` [${c.platform}]` : ''}${times}  ${text}`,
    );
    if (g.count > 1) {
      out.push(
        p.dim(
          `      and ${g.count - 1} more like it${g.paths.length > 1 ? `: ${show(somePaths(g.paths.slice(1)))}` : ''} (--json lists all)`,
        ),
      );
    }
  }
  if (report.modules.length > 0) {
    const max = options.maxModules ?? 40;
    out.push('', p.bold('Modules'));
    for (const m of report.modules.slice(0, max)) {
      const sig = m.signed
        ? show(`${m.signer ?? ''} ${m.key ?? ''} ${m.hash ?? ''}`)
        : p.red('unsigned');
      const verdict = !m.verdict
        ? ''
        : m.verdict === 'verified'
          ? `  ${p.green('verified')}`
          : `  ${p.red(m.verdict)}`;
      out.push(
        `  ${show(m.name)}${multi && m.platform ? ` [${m.platform}]` : ''}  ${show(m.vermagic?.split(' ')[0] ?? '?')}  ${sig}${verdict}  ${p.dim(show(m.path))}`,
      );
    }
    if (report.modules.length > max)
      out.push(p.dim(`  …and ${report.modules.length - max} more (--json lists all)`));
  }
  return `${out.join('\n')}\n`;
}
