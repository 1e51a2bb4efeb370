/**
 * new-module: wires an out-of-tree module into a pkgs checkout (`<name>/pkg.yaml`, the `Pkgfile`
 * block, `TARGETS`, `.kres.yaml`) and an extensions checkout (`drivers/<name>/`, `<NAME>_VERSION`,
 * `TARGETS`, `.kres.yaml`). Both checkouts are planned first; nothing is written on `dryRun` or
 * when an existing file or value differs (unless `force`), so a run is all or nothing. A second
 * run with the same inputs changes nothing.
 */
import { inheritedCiWarnings } from '../check-wiring/check-wiring';
import { UserError, type Logger } from '@talos-kmod/common';
import {
  applyFileChanges,
  checkModuleWiring,
  extensionVersionFormat,
  planExtensionsScaffold,
  planPkgsScaffold,
  sourceUrlFor,
  unifiedDiffs,
  type ManifestStyle,
  type ModuleSpec,
  type ScaffoldPlan,
  type WiringReport,
} from '@talos-kmod/talos';
import { validateNewModuleOptions, type NewModuleOptions } from './options';
import { downloadChecksums, type FetchFn } from './source-checksums';

/** What the step needs from its caller. */
export interface NewModuleDeps {
  readonly logger: Logger;
  /** HTTP client for the tarball download (default: the global `fetch`). */
  readonly fetch?: FetchFn;
}

/** The outcome for one checkout. */
export interface CheckoutOutcome {
  readonly root: string;
  /** Files that change (or changed), relative to the checkout. */
  readonly changed: readonly string[];
  /** The unified diff of those files (git format, paths relative to the checkout). */
  readonly diff: string;
  readonly notes: readonly string[];
}

/** What new-module did (or, on a dry run, would do). */
export interface NewModuleResult {
  readonly spec: ModuleSpec;
  readonly checksums: 'given' | 'downloaded';
  readonly dryRun: boolean;
  readonly pkgs?: CheckoutOutcome;
  readonly extensions?: CheckoutOutcome & { readonly manifestStyle: ManifestStyle };
  /** Absolute paths written (empty on a dry run or when nothing changed). */
  readonly written: readonly string[];
  /** Warnings worth showing (a version the extensions-validator will refuse …). */
  readonly notes: readonly string[];
  /** check-wiring over the result, when both checkouts were given and files were written. */
  readonly wiring?: WiringReport;
}

function outcome(plan: ScaffoldPlan): CheckoutOutcome {
  const changed = plan.files.filter((f) => f.before !== f.after);
  return {
    root: plan.root,
    changed: changed.map((f) => f.path),
    diff: unifiedDiffs(changed),
    notes: plan.notes,
  };
}

/** Runs new-module. */
export async function newModule(
  options: NewModuleOptions,
  deps: NewModuleDeps,
): Promise<NewModuleResult> {
  const { logger } = deps;
  const { definition, checksums: given } = validateNewModuleOptions(options);
  const notes: string[] = [];
  if (!extensionVersionFormat(definition.version)) {
    const note =
      `version ${definition.version} is not a format Sidero's extensions-validator accepts for the ` +
      'extension VERSION (e.g. 4.24.0, 20250101, 4.3): the extension build will fail its test step ' +
      'unless vars.yaml derives VERSION differently';
    logger.warning(note);
    notes.push(note);
  }
  const checksums =
    given ??
    (await logger.group('Compute source checksums', () =>
      downloadChecksums(sourceUrlFor(definition), {
        fetch: deps.fetch ?? (fetch as FetchFn),
        logger,
        ...(options.downloadTimeoutMs ? { timeoutMs: options.downloadTimeoutMs } : {}),
      }),
    ));
  const spec: ModuleSpec = { ...definition, sha256: checksums.sha256, sha512: checksums.sha512 };
  const planOptions = { force: options.force ?? false };
  const pkgsPlan = options.pkgsDir
    ? await planPkgsScaffold(options.pkgsDir, spec, planOptions)
    : undefined;
  const extPlan = options.extensionsDir
    ? await planExtensionsScaffold(options.extensionsDir, spec, planOptions)
    : undefined;
  const conflicts = [...(pkgsPlan?.conflicts ?? []), ...(extPlan?.conflicts ?? [])];
  if (conflicts.length > 0) {
    throw new UserError(
      `new-module stopped without writing anything: ${conflicts.length} existing file(s) or value(s) differ from what it would write`,
      { details: conflicts.map((c) => `${c.root}/${c.message}`) },
    );
  }
  for (const n of [...(pkgsPlan?.notes ?? []), ...(extPlan?.notes ?? [])]) logger.info(n);
  const written: string[] = [];
  if (!options.dryRun) {
    for (const plan of [pkgsPlan, extPlan]) {
      if (plan) written.push(...(await applyFileChanges(plan.files)));
    }
    logger.info(
      written.length === 0
        ? `${spec.name} is already wired in: nothing to change`
        : `wrote ${written.length} file(s)`,
    );
  }
  const wiring =
    !options.dryRun && options.pkgsDir && options.extensionsDir
      ? await checkModuleWiring({
          module: spec.name,
          pkgsDir: options.pkgsDir,
          extensionsDir: options.extensionsDir,
        })
      : undefined;
  for (const g of wiring?.gaps ?? []) {
    const note = `after new-module, check-wiring still reports: ${g.repo}/${g.file}: ${g.message}`;
    logger.warning(note);
    notes.push(note);
  }
  for (const note of await inheritedCiWarnings({
    ...(options.pkgsDir ? { pkgsDir: options.pkgsDir } : {}),
    ...(options.extensionsDir ? { extensionsDir: options.extensionsDir } : {}),
  })) {
    logger.warning(note);
    notes.push(note);
  }
  return {
    spec,
    checksums: given ? 'given' : 'downloaded',
    dryRun: options.dryRun ?? false,
    ...(pkgsPlan ? { pkgs: outcome(pkgsPlan) } : {}),
    ...(extPlan
      ? { extensions: { ...outcome(extPlan), manifestStyle: extPlan.manifestStyle } }
      : {}),
    written,
    notes,
    ...(wiring ? { wiring } : {}),
  };
}
