/**
 * A siderolabs/pkgs checkout (or fork): its make targets, package name → folder map, and the
 * folders a target's result depends on.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError } from '@talos-kmod/common';
import { makeVariable, readMakefile, type MakefileInfo } from '../make/makefile';
import { readPkgfile, type Pkgfile } from '../pkgfile/pkgfile';
import { findPkgYamls, indexPkgYamls, type PkgYamlEntry } from './find-pkg-yamls';
import { readKresTargets, type KresTargets } from './kres';
import { readPkgYamlStages } from './pkg-yaml';

/** The name of the kernel target and of the stage every module package builds against. */
export const kernelTarget = 'kernel';
export const kernelBuildStage = 'kernel-build';

/** What a pkgs checkout holds. */
export interface PkgsCheckout {
  /** Absolute path of the checkout. */
  readonly dir: string;
  readonly makefile: MakefileInfo;
  /** `TARGETS` names in Makefile order. */
  readonly targets: readonly string[];
  /** `NONFREE_TARGETS` names. */
  readonly nonfreeTargets: readonly string[];
  /** `.kres.yaml` target lists, when present. */
  readonly kres?: KresTargets;
  readonly pkgfile: Pkgfile;
  /** Every package definition, by name. */
  readonly packages: ReadonlyMap<string, PkgYamlEntry>;
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Reads a pkgs checkout. Fails with a {@link InputError} when `dir` is missing, is an extensions
 * checkout, or has no `kernel` target.
 */
export async function readPkgsCheckout(dir: string): Promise<PkgsCheckout> {
  const abs = resolve(dir);
  const what = 'a siderolabs/pkgs checkout';
  if (!(await isDirectory(abs))) {
    const exists = await stat(abs).then(
      () => true,
      () => false,
    );
    throw new InputError(
      exists
        ? `pkgs directory '${dir}' is not a directory: give the directory of your pkgs checkout`
        : `pkgs directory '${dir}' does not exist: check out your pkgs fork there first`,
    );
  }
  const makefile = await readMakefile(abs, what);
  if (makeVariable(makefile, 'PKGS_PREFIX') !== undefined) {
    throw new InputError(
      `'${dir}' looks like a siderolabs/extensions checkout (its Makefile sets PKGS_PREFIX), not pkgs: ` +
        'point pkgs-dir at your pkgs fork',
    );
  }
  const pkgfile = await readPkgfile(abs);
  const targets = makefile.targets.map((t) => t.name);
  if (!targets.includes(kernelTarget)) {
    throw new InputError(
      `'${dir}' is not ${what}: its Makefile has no 'TARGETS += kernel' line ` +
        `(targets found: ${targets.join(', ') || 'none'})`,
    );
  }
  const packages = indexPkgYamls(await findPkgYamls(abs));
  const kres = await readKresTargets(abs);
  return {
    dir: abs,
    makefile,
    targets,
    nonfreeTargets: makefile.nonfreeTargets.map((t) => t.name),
    ...(kres ? { kres } : {}),
    pkgfile,
    packages,
  };
}

/** Every stage `name` depends on, itself included, following `- stage:` lines transitively. */
export function stageClosure(checkout: PkgsCheckout, name: string): PkgYamlEntry[] {
  const seen = new Map<string, PkgYamlEntry>();
  const visit = (n: string) => {
    const entry = checkout.packages.get(n);
    if (!entry || seen.has(n)) return;
    seen.set(n, entry);
    for (const dep of readPkgYamlStages(entry.text)) visit(dep);
  };
  visit(name);
  return [...seen.values()];
}

/** True when the target is an out-of-tree module package (it builds on `kernel-build`). */
export function isModulePackage(checkout: PkgsCheckout, name: string): boolean {
  if (name === kernelTarget) return false;
  return stageClosure(checkout, name).some((e) => e.name === kernelBuildStage);
}

/** Module package targets (`TARGETS` and `NONFREE_TARGETS` that build on `kernel-build`). */
export function modulePackages(checkout: PkgsCheckout): string[] {
  return [...checkout.targets, ...checkout.nonfreeTargets].filter((t) =>
    isModulePackage(checkout, t),
  );
}

/**
 * The make targets for `kernel` plus `packages`: `kernel` first, then the packages in the order
 * given, duplicates dropped. Unknown names fail listing the module packages the checkout has.
 */
export function resolvePkgsTargets(checkout: PkgsCheckout, packages: readonly string[]): string[] {
  const all = new Set([...checkout.targets, ...checkout.nonfreeTargets]);
  const out = [kernelTarget];
  for (const p of packages) {
    if (out.includes(p)) continue;
    if (!all.has(p) || !checkout.packages.has(p)) {
      const available = modulePackages(checkout);
      const folderHint = [...checkout.packages.values()].find((e) => e.folder === p);
      throw new InputError(
        `package '${p}' is not a target of the pkgs checkout at ${checkout.dir}` +
          (folderHint ? ` ('${p}' is a folder; its package is named '${folderHint.name}')` : '') +
          `. Module packages available: ${available.join(', ') || 'none'}. ` +
          (checkout.packages.has(p)
            ? `'${p}' has a pkg.yaml but is not in the Makefile's TARGETS: add it (and to .kres.yaml).`
            : "Use the name from the package's pkg.yaml `name:` field."),
      );
    }
    out.push(p);
  }
  return out;
}
