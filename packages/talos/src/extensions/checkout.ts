/**
 * A siderolabs/extensions checkout (or fork): its extension targets, extension name → folder, the
 * Makefile's `PKGS`/`PKGS_PREFIX`/`TOOLS` defaults, and the manifest form each extension uses.
 */
import { access, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError } from '@talos-kmod/common';
import { makeVariable, readMakefile, type MakefileInfo } from '../make/makefile';
import { readPkgfile, type Pkgfile } from '../pkgfile/pkgfile';
import { findPkgYamls, indexPkgYamls, type PkgYamlEntry } from '../pkgs/find-pkg-yamls';
import { readKresTargets, type KresTargets } from '../pkgs/kres';

/** What an extensions checkout holds. */
export interface ExtensionsCheckout {
  readonly dir: string;
  readonly makefile: MakefileInfo;
  readonly targets: readonly string[];
  readonly nonfreeTargets: readonly string[];
  readonly kres?: KresTargets;
  readonly pkgfile: Pkgfile;
  readonly packages: ReadonlyMap<string, PkgYamlEntry>;
  /** Makefile defaults of the build args (`PKGS ?= …`, `PKGS_PREFIX ?= ghcr.io/siderolabs`, …). */
  readonly defaults: Readonly<
    Record<'PKGS' | 'PKGS_PREFIX' | 'TOOLS' | 'TOOLS_PREFIX', string | undefined>
  >;
}

/** One extension of a checkout. */
export interface ExtensionEntry {
  readonly name: string;
  /** Folder relative to the checkout (e.g. `drivers/hailort`). */
  readonly folder: string;
  /** Absolute path of its pkg.yaml. */
  readonly pkgYamlPath: string;
  /**
   * Which manifest the folder has: `manifest.yaml.tmpl` (rendered by bldr, newer branches) or
   * `manifest.yaml` (older branches, `$VERSION` replaced by a `sed` step).
   */
  readonly manifest?: 'manifest.yaml.tmpl' | 'manifest.yaml';
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Reads an extensions checkout; a directory that is not one fails with a {@link InputError}. */
export async function readExtensionsCheckout(dir: string): Promise<ExtensionsCheckout> {
  const abs = resolve(dir);
  const what = 'a siderolabs/extensions checkout';
  const isDir = await stat(abs).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) {
    const exists = await stat(abs).then(
      () => true,
      () => false,
    );
    throw new InputError(
      exists
        ? `extensions directory '${dir}' is not a directory: give the directory of your extensions checkout`
        : `extensions directory '${dir}' does not exist: check out your extensions fork there first`,
    );
  }
  const makefile = await readMakefile(abs, what);
  const targets = makefile.targets.map((t) => t.name);
  if (makeVariable(makefile, 'PKGS_PREFIX') === undefined) {
    throw new InputError(
      `'${dir}' is not ${what}: its Makefile has no PKGS_PREFIX variable` +
        (targets.includes('kernel')
          ? ' (it looks like a pkgs checkout: point pkgs-dir at it instead)'
          : ''),
    );
  }
  const pkgfile = await readPkgfile(abs);
  const kres = await readKresTargets(abs);
  return {
    dir: abs,
    makefile,
    targets,
    nonfreeTargets: makefile.nonfreeTargets.map((t) => t.name),
    ...(kres ? { kres } : {}),
    pkgfile,
    packages: indexPkgYamls(await findPkgYamls(abs)),
    defaults: {
      PKGS: makeVariable(makefile, 'PKGS'),
      PKGS_PREFIX: makeVariable(makefile, 'PKGS_PREFIX'),
      TOOLS: makeVariable(makefile, 'TOOLS'),
      TOOLS_PREFIX: makeVariable(makefile, 'TOOLS_PREFIX'),
    },
  };
}

/**
 * The extension named `name` (a Makefile target with a pkg.yaml of that name). Unknown names fail
 * listing the extensions the checkout has.
 */
export async function resolveExtension(
  checkout: ExtensionsCheckout,
  name: string,
): Promise<ExtensionEntry> {
  const all = [...checkout.targets, ...checkout.nonfreeTargets];
  const entry = checkout.packages.get(name);
  if (!all.includes(name) || !entry) {
    const byFolder = [...checkout.packages.values()].find(
      (e) => e.folder === name || e.folder.endsWith(`/${name}`),
    );
    throw new InputError(
      `extension '${name}' is not a target of the extensions checkout at ${checkout.dir}` +
        (byFolder && byFolder.name !== name && all.includes(byFolder.name)
          ? ` (the folder ${byFolder.folder} holds the extension '${byFolder.name}')`
          : '') +
        (entry
          ? `: it has a pkg.yaml (${entry.folder}) but is not in the Makefile's TARGETS`
          : '') +
        `. Extensions available: ${all.join(', ') || 'none'}`,
    );
  }
  const folder = join(checkout.dir, entry.folder);
  const manifest = (await exists(join(folder, 'manifest.yaml.tmpl')))
    ? 'manifest.yaml.tmpl'
    : (await exists(join(folder, 'manifest.yaml')))
      ? 'manifest.yaml'
      : undefined;
  return {
    name,
    folder: entry.folder,
    pkgYamlPath: entry.path,
    ...(manifest ? { manifest } : {}),
  };
}
