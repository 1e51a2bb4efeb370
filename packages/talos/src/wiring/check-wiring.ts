/**
 * `check-wiring`: is a module wired into a pkgs checkout and an extensions checkout the way the
 * build needs it? Each gap names the file to change and how; no gaps means the module builds with
 * `make kernel <name>-pkg` and `make <name>`.
 */
import { UserError } from '@talos-kmod/common';
import { readExtensionsCheckout } from '../extensions/checkout';
import { readPkgsCheckout } from '../pkgs/checkout';
import { checkExtensionsWiring, type ExtensionsWiringOptions } from './check-extensions';
import { checkPkgsWiring, type PkgsVersion } from './check-pkgs';
import { createCollector } from './collector';
import type { WiringReport } from './gap';
import { discoverNames, type WiringNameOverrides } from './discover-names';
import { moduleNames } from './names';

/** What to check. */
export interface CheckWiringOptions {
  /** Module name (`hailort`). */
  readonly module: string;
  readonly pkgsDir?: string;
  readonly extensionsDir?: string;
  /** Build args for rendering the extension's VERSION (defaults: Makefile defaults, TAG v0.0.0). */
  readonly buildArgs?: ExtensionsWiringOptions['buildArgs'];
  /** Talos version to check the manifest's compatibility range against. */
  readonly talosVersion?: string;
  /** Names to use instead of discovering them from the checkouts. */
  readonly names?: WiringNameOverrides;
}

/** Checks the wiring; a directory that is not the right kind of checkout is a UserError. */
export async function checkModuleWiring(options: CheckWiringOptions): Promise<WiringReport> {
  moduleNames(options.module);
  if (!options.pkgsDir && !options.extensionsDir) {
    throw new UserError('give a pkgs checkout, an extensions checkout, or both to check');
  }
  const c = createCollector();
  let pkgsVersion: PkgsVersion | undefined;
  const pkgs = options.pkgsDir ? await readPkgsCheckout(options.pkgsDir) : undefined;
  const ext = options.extensionsDir
    ? await readExtensionsCheckout(options.extensionsDir)
    : undefined;
  const { names, notes } = discoverNames(options.module, pkgs, ext, options.names);
  for (const n of notes) c.pass(`names: ${n}`);
  const pkgsDir = pkgs?.dir;
  const extensionsDir = ext?.dir;
  if (pkgs) pkgsVersion = checkPkgsWiring(pkgs, names, c);
  if (ext) {
    await checkExtensionsWiring(ext, names, c, {
      ...(pkgsVersion !== undefined ? { pkgsVersion } : {}),
      ...(options.buildArgs ? { buildArgs: options.buildArgs } : {}),
      ...(options.talosVersion ? { talosVersion: options.talosVersion } : {}),
    });
  } else {
    c.skip('extensions: no extensions checkout given');
  }
  if (!options.pkgsDir) c.skip('pkgs: no pkgs checkout given; versions not compared');
  return {
    module: names.module,
    packageName: names.packageName,
    ...(pkgsDir ? { pkgsDir } : {}),
    ...(extensionsDir ? { extensionsDir } : {}),
    gaps: c.gaps,
    passed: c.passed,
    skipped: c.skipped,
  };
}
