/**
 * check-wiring: the pipeline face of `checkModuleWiring` for the CLI and PR checks: logs each gap
 * as `repo/file[:line]: what to change` and says whether the module is fully wired.
 */
import { markdownCode, markdownText, type Logger } from '@talos-kmod/common';
import {
  checkModuleWiring,
  findInheritedCi,
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

/** The report, whether it has no gaps, and warnings that do not make it fail. */
export interface CheckWiringResult extends WiringReport {
  readonly ok: boolean;
  /**
   * `repo/file:line: message` for each inherited Sidero CI job that cannot run in a fork (runner
   * group `pkgs`, in-cluster BuildKit).
   */
  readonly warnings: readonly string[];
}

/** Warnings for the inherited Sidero CI workflows of the pkgs and extensions checkouts. */
export async function inheritedCiWarnings(dirs: {
  pkgsDir?: string;
  extensionsDir?: string;
}): Promise<string[]> {
  const warnings: string[] = [];
  for (const [repo, dir] of [
    ['pkgs', dirs.pkgsDir],
    ['extensions', dirs.extensionsDir],
  ] as const) {
    if (!dir) continue;
    for (const j of await findInheritedCi(dir)) {
      warnings.push(`${repo}/${j.file}${j.line ? `:${j.line}` : ''}: ${j.message}`);
    }
  }
  return warnings;
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
  const warnings = await inheritedCiWarnings({
    ...(options.pkgsDir ? { pkgsDir: options.pkgsDir } : {}),
    ...(options.extensionsDir ? { extensionsDir: options.extensionsDir } : {}),
  });
  for (const w of warnings) deps.logger.warning(w);
  return { ...report, ok: report.gaps.length === 0, warnings };
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
    ...r.warnings.map((w) => `- ⚠️ ${markdownText(w)}`),
    '',
  ].join('\n');
}
