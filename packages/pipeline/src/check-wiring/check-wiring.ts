/**
 * check-wiring: the pipeline face of `checkModuleWiring` for the CLI and PR checks: logs each gap
 * as `repo/file[:line]: what to change` and says whether the module is fully wired.
 */
import { markdownCode, markdownText, type Logger } from '@talos-kmod/common';
import {
  checkModuleWiring,
  formatGap,
  type WiringNameOverrides,
  type WiringReport,
} from '@talos-kmod/talos';

/** What to check. */
export interface CheckWiringStepOptions {
  /** Module name (`hailort`). */
  readonly module: string;
  readonly pkgsDir?: string;
  readonly extensionsDir?: string;
  /** Talos version the extension's compatibility range must accept. */
  readonly talosVersion?: string;
  /** `TAG` used to render VERSION templates that include it (default v0.0.0). */
  readonly tag?: string;
  /** Names to use instead of discovering them (extension, package, var names). */
  readonly names?: WiringNameOverrides;
}

/** The report and whether it has no gaps. */
export interface CheckWiringResult extends WiringReport {
  readonly ok: boolean;
}

/** Runs the wiring checks. */
export async function checkWiring(
  options: CheckWiringStepOptions,
  deps: { readonly logger: Logger },
): Promise<CheckWiringResult> {
  const report = await checkModuleWiring({
    module: options.module,
    ...(options.pkgsDir ? { pkgsDir: options.pkgsDir } : {}),
    ...(options.extensionsDir ? { extensionsDir: options.extensionsDir } : {}),
    ...(options.talosVersion ? { talosVersion: options.talosVersion } : {}),
    ...(options.tag ? { buildArgs: { TAG: options.tag } } : {}),
    ...(options.names ? { names: options.names } : {}),
  });
  for (const p of report.passed) deps.logger.debug(`ok: ${p}`);
  for (const s of report.skipped) deps.logger.info(`skipped: ${s}`);
  for (const g of report.gaps) deps.logger.error(formatGap(g));
  return { ...report, ok: report.gaps.length === 0 };
}

/** A Markdown summary of the report (for job summaries and PR comments). */
export function wiringSummary(r: CheckWiringResult): string {
  const head = r.ok
    ? `### ✅ ${markdownText(r.module)} is wired into ${[r.pkgsDir && 'pkgs', r.extensionsDir && 'extensions'].filter(Boolean).join(' and ')}`
    : `### ❌ ${markdownText(r.module)}: ${r.gaps.length} wiring gap(s)`;
  const rows = r.gaps.map(
    (g) =>
      `| ${markdownCode(`${g.repo}/${g.file}${g.line ? `:${g.line}` : ''}`, { inTable: true })} | ${markdownText(g.message)} |`,
  );
  return [
    head,
    '',
    ...(rows.length > 0 ? ['| file | what to change |', '| --- | --- |', ...rows, ''] : []),
    ...r.skipped.map((s) => `- skipped: ${markdownText(s)}`),
    '',
  ].join('\n');
}
