/**
 * Everything `new-module` changes in an extensions checkout: `drivers/<name>/{pkg.yaml, vars.yaml,
 * manifest.yaml.tmpl | manifest.yaml, README.md}`, `<NAME>_VERSION` in the `Pkgfile`, `TARGETS` in
 * the Makefile and `spec.targets` in `.kres.yaml`.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { readExtensionsCheckout, type ExtensionsCheckout } from '../extensions/checkout';
import {
  extensionFolder,
  manifestFileName,
  renderExtensionManifest,
  renderExtensionPkgYaml,
  renderExtensionReadme,
  renderExtensionVarsYaml,
  type ManifestStyle,
} from './extension-files';
import { upsertExtensionsVersionVar } from './extensions-pkgfile';
import { readOptionalText, type FileChange, type ScaffoldConflict } from './file-change';
import { addKresTarget } from './kres-targets';
import { addMakefileTarget } from './makefile-targets';
import type { ModuleSpec } from './module-spec';
import { generatedFile, valueConflicts, type PlanOptions, type ScaffoldPlan } from './plan-pkgs';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * The manifest style of the checkout's branch: the extension's own folder decides when it has a
 * manifest; otherwise `template` when any extension has a `manifest.yaml.tmpl`, `plain` when they
 * only have `manifest.yaml`, `template` for a checkout without extensions.
 */
export async function detectManifestStyle(
  checkout: ExtensionsCheckout,
  folder?: string,
): Promise<ManifestStyle> {
  if (folder) {
    if (await exists(join(checkout.dir, folder, 'manifest.yaml.tmpl'))) return 'template';
    if (await exists(join(checkout.dir, folder, 'manifest.yaml'))) return 'plain';
  }
  let plain = false;
  for (const entry of checkout.packages.values()) {
    if (await exists(join(checkout.dir, entry.folder, 'manifest.yaml.tmpl'))) return 'template';
    if (await exists(join(checkout.dir, entry.folder, 'manifest.yaml'))) plain = true;
  }
  return plain ? 'plain' : 'template';
}

/** Plans the extensions side of `new-module`; a directory that is not extensions fails. */
export async function planExtensionsScaffold(
  dir: string,
  spec: ModuleSpec,
  options: PlanOptions = {},
): Promise<ScaffoldPlan & { readonly manifestStyle: ManifestStyle }> {
  const checkout = await readExtensionsCheckout(dir);
  const root = checkout.dir;
  const conflicts: ScaffoldConflict[] = [];
  const notes: string[] = [];
  const files: FileChange[] = [];
  const folder = extensionFolder(spec);
  const style = await detectManifestStyle(checkout, folder);
  const defined = checkout.packages.get(spec.name);
  if (defined && defined.folder !== folder) {
    notes.push(
      `extension ${spec.name} is already defined in ${defined.folder}/pkg.yaml: left as it is, ${folder}/ not written`,
    );
  } else {
    const generated: [string, string][] = [
      ['pkg.yaml', renderExtensionPkgYaml(spec, style)],
      ['vars.yaml', renderExtensionVarsYaml(spec, style)],
      [manifestFileName(style), renderExtensionManifest(spec, style)],
      ['README.md', renderExtensionReadme(spec)],
    ];
    for (const [name, text] of generated) {
      files.push(await generatedFile(root, `${folder}/${name}`, text, options, conflicts));
    }
  }
  const pkgfileBefore = (await readOptionalText(join(root, 'Pkgfile'))) ?? '';
  const pkgfile = upsertExtensionsVersionVar(pkgfileBefore, spec, options, 'Pkgfile');
  conflicts.push(...valueConflicts(root, 'Pkgfile', pkgfile.conflicts));
  files.push({ root, path: 'Pkgfile', before: pkgfileBefore, after: pkgfile.text });
  const makefileBefore = (await readOptionalText(join(root, 'Makefile'))) ?? '';
  files.push({
    root,
    path: 'Makefile',
    before: makefileBefore,
    after: addMakefileTarget(makefileBefore, spec.name, 'alphabetical'),
  });
  const kresBefore = await readOptionalText(join(root, '.kres.yaml'));
  if (kresBefore === undefined) {
    notes.push('.kres.yaml not found: only the Makefile lists the target');
  } else {
    files.push({
      root,
      path: '.kres.yaml',
      before: kresBefore,
      after: addKresTarget(kresBefore, spec.name, 'alphabetical'),
    });
  }
  return { root, files, conflicts, notes, manifestStyle: style };
}
