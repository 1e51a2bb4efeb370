/**
 * Everything `new-module` changes in a pkgs checkout: `<name>/pkg.yaml`, the `Pkgfile` vars block,
 * `TARGETS` in the Makefile and `spec.targets` in `.kres.yaml` (kernel first, then modules in
 * alphabetical order).
 */
import { join } from 'node:path';
import { UserError } from '@talos-kmod/common';
import { kernelBuildStage, readPkgsCheckout } from '../pkgs/checkout';
import { pkgfileVars } from '../pkgfile/pkgfile';
import type { EditConflict } from './edit-result';
import { readOptionalText, type FileChange, type ScaffoldConflict } from './file-change';
import { addKresTarget } from './kres-targets';
import { addMakefileTarget } from './makefile-targets';
import type { ModuleSpec } from './module-spec';
import { renderModulePkgYaml, type PkgsFlavour } from './pkgs-pkg-yaml';
import { upsertPkgsVarsBlock } from './pkgs-pkgfile';

/** The planned changes to one checkout. */
export interface ScaffoldPlan {
  readonly root: string;
  /** Every file looked at, changed or not, in a stable order. */
  readonly files: readonly FileChange[];
  readonly conflicts: readonly ScaffoldConflict[];
  /** Things worth telling the user that are not conflicts (a skipped optional file). */
  readonly notes: readonly string[];
}

/** Options for planning. */
export interface PlanOptions {
  /** Overwrite generated files and values that differ instead of reporting conflicts. */
  readonly force?: boolean;
}

/** Shared by both planners: a generated file, created or compared with what is there. */
export async function generatedFile(
  root: string,
  path: string,
  text: string,
  options: PlanOptions,
  conflicts: ScaffoldConflict[],
): Promise<FileChange> {
  const before = await readOptionalText(join(root, path));
  if (before !== undefined && before !== text && !options.force) {
    conflicts.push({
      root,
      path,
      message: `${path} exists and differs from what new-module writes: keep it, or pass --force to overwrite it`,
    });
    return { root, path, before, after: before };
  }
  return { root, path, before, after: text };
}

/** Turns editor conflicts into plan conflicts. */
export function valueConflicts(
  root: string,
  path: string,
  list: readonly EditConflict[],
): ScaffoldConflict[] {
  return list.map((c) => ({
    root,
    path,
    line: c.line,
    message: `${path}:${c.line}: ${c.what}, not ${c.wanted}: pass --force to set it, or give --version ${c.existing}`,
  }));
}

/** The branch-dependent choices for a pkgs checkout's module packages. */
export function pkgsFlavour(vars: Readonly<Record<string, string>>): PkgsFlavour {
  return { llvm: vars.LLVM_IMAGE !== undefined };
}

/** Plans the pkgs side of `new-module`; the checkout is validated (a non-pkgs dir fails). */
export async function planPkgsScaffold(
  dir: string,
  spec: ModuleSpec,
  options: PlanOptions = {},
): Promise<ScaffoldPlan> {
  const checkout = await readPkgsCheckout(dir);
  const root = checkout.dir;
  if (!checkout.packages.has('base') || !checkout.packages.has(kernelBuildStage)) {
    throw new UserError(
      `the pkgs checkout at ${root} has no 'base' or 'kernel-build' package: new-module writes the ` +
        'layout of pkgs release-1.10 and later (/usr/lib/modules, base stage); check out such a branch',
    );
  }
  const conflicts: ScaffoldConflict[] = [];
  const notes: string[] = [];
  const files: FileChange[] = [];
  const pkgYamlPath = `${spec.name}/pkg.yaml`;
  const defined = checkout.packages.get(spec.packageName);
  if (defined && defined.folder !== spec.name) {
    notes.push(
      `${spec.packageName} is already defined in ${defined.folder}/pkg.yaml: left as it is, ${pkgYamlPath} not written`,
    );
  } else {
    const text = renderModulePkgYaml(spec, pkgsFlavour(pkgfileVars(checkout.pkgfile)));
    files.push(await generatedFile(root, pkgYamlPath, text, options, conflicts));
  }
  const pkgfileBefore = (await readOptionalText(join(root, 'Pkgfile'))) ?? '';
  const pkgfile = upsertPkgsVarsBlock(pkgfileBefore, spec, options, 'Pkgfile');
  conflicts.push(...valueConflicts(root, 'Pkgfile', pkgfile.conflicts));
  files.push({ root, path: 'Pkgfile', before: pkgfileBefore, after: pkgfile.text });
  const makefileBefore = (await readOptionalText(join(root, 'Makefile'))) ?? '';
  files.push({
    root,
    path: 'Makefile',
    before: makefileBefore,
    after: addMakefileTarget(makefileBefore, spec.packageName, 'after-kernel'),
  });
  const kresBefore = await readOptionalText(join(root, '.kres.yaml'));
  if (kresBefore === undefined) {
    notes.push('.kres.yaml not found: only the Makefile lists the target');
  } else {
    files.push({
      root,
      path: '.kres.yaml',
      before: kresBefore,
      after: addKresTarget(kresBefore, spec.packageName, 'after-kernel'),
    });
  }
  return { root, files, conflicts, notes };
}
