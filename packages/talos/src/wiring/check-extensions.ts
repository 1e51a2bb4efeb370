/**
 * The extensions half of the wiring: the extension `<name>` is defined, listed in `TARGETS` and
 * `.kres.yaml`, pulls `<name>-pkg` from `PKGS_PREFIX`/`PKGS`, has `<NAME>_VERSION` in the
 * `Pkgfile` equal to the pkgs `<name>_version`, a `VERSION`, and a manifest that Talos and Sidero's
 * extensions-validator would accept once rendered.
 */
import { join } from 'node:path';
import type { ExtensionsCheckout } from '../extensions/checkout';
import { findPkgsImageLines } from '../extensions/image-lines';
import { renderSimpleTemplate } from '../extensions/template';
import { extensionVariables, type ExtensionBuildArgs } from '../extensions/version';
import { parseTolerantVersion } from '../extension-rules/talos-version';
import { validateExtensionManifest } from '../extension-rules/validate-manifest';
import { parseVarsYaml } from '../pkgfile/vars-yaml';
import type { PkgsVersion } from './check-pkgs';
import type { Collector } from './collector';
import type { ModuleNames } from './names';
import { readOptionalText } from '../internal/read-optional-text';

/** Options for the extensions checks. */
export interface ExtensionsWiringOptions {
  /** The pkgs `<name>_version` (or `_ref`), to compare with the extension's twin version. */
  readonly pkgsVersion?: PkgsVersion;
  /** Build args for rendering `VERSION` (`TAG`, `PKGS`, …); Makefile defaults fill the rest. */
  readonly buildArgs?: ExtensionBuildArgs;
  /** Talos version to check `compatibility.talos.version` against. */
  readonly talosVersion?: string;
}

/** Runs the extensions checks. */
export async function checkExtensionsWiring(
  checkout: ExtensionsCheckout,
  names: ModuleNames,
  c: Collector,
  options: ExtensionsWiringOptions = {},
): Promise<void> {
  const ext = names.module;
  const entry = checkout.packages.get(ext);
  const folder = entry?.folder ?? `drivers/${ext}`;
  checkTargets(checkout, ext, c);
  const versionTemplate = entry
    ? parseVarsYaml(
        (await readOptionalText(join(checkout.dir, folder, 'vars.yaml'))) ?? '',
      ).vars.find((v) => v.name === 'VERSION')?.value
    : undefined;
  checkVersionVar(checkout, names, c, options.pkgsVersion ?? {}, versionTemplate);
  if (!entry) {
    c.gap({
      id: 'extensions.package',
      repo: 'extensions',
      file: `${folder}/pkg.yaml`,
      message: `no pkg.yaml has 'name: ${ext}': create ${folder}/ with pkg.yaml, vars.yaml, the manifest and README.md (talos-kmod new-module writes them)`,
    });
    return;
  }
  c.pass(`extensions: ${ext} is defined in ${folder}/pkg.yaml`);
  const pulls = findPkgsImageLines(entry.text).map((l) => l.pkg);
  if (pulls.includes(names.packageName)) {
    c.pass(`extensions: ${ext} pulls ${names.packageName} from PKGS_PREFIX at PKGS`);
  } else {
    c.gap({
      id: 'extensions.pulls-package',
      repo: 'extensions',
      file: `${folder}/pkg.yaml`,
      message:
        `does not pull ${names.packageName}` +
        (pulls.length > 0 ? ` (it pulls ${pulls.join(', ')})` : '') +
        `: add '- image: "{{ .BUILD_ARG_PKGS_PREFIX }}/${names.packageName}:{{ .BUILD_ARG_PKGS }}"' to its dependencies`,
    });
  }
  await checkManifest(checkout, names, folder, c, options);
}

function checkTargets(checkout: ExtensionsCheckout, ext: string, c: Collector): void {
  const inMake = [...checkout.makefile.targets, ...checkout.makefile.nonfreeTargets].some(
    (t) => t.name === ext,
  );
  if (inMake) c.pass(`extensions: ${ext} is a Makefile target`);
  else {
    c.gap({
      id: 'extensions.makefile-target',
      repo: 'extensions',
      file: 'Makefile',
      message: `'${ext}' is not in TARGETS: add 'TARGETS += ${ext}' in alphabetical order`,
    });
  }
  if (!checkout.kres) {
    c.skip('extensions: no .kres.yaml in the checkout');
    return;
  }
  const listed = [
    ...checkout.kres.targets,
    ...Object.values(checkout.kres.additionalTargets).flat(),
  ].some((t) => t.name === ext);
  if (listed) c.pass(`extensions: ${ext} is in .kres.yaml`);
  else {
    c.gap({
      id: 'extensions.kres-target',
      repo: 'extensions',
      file: '.kres.yaml',
      message: `'${ext}' is not in spec.targets: add '- ${ext}' in alphabetical order (the Makefile is generated from this list)`,
    });
  }
}

/**
 * The twin version: the `Pkgfile` var the extension's `VERSION` is built from (upstream names
 * vary: `HAILORT_VERSION`, `DRBD_DRIVER_VERSION`); `<NAME>_VERSION`, which new-module writes,
 * when there is no VERSION yet; undefined when VERSION uses no such var (a hard-coded short ref).
 */
function twinVersionVar(
  checkout: ExtensionsCheckout,
  names: ModuleNames,
  versionTemplate: string | undefined,
): string | undefined {
  if (versionTemplate === undefined || names.versionVarGiven) return names.extensionsVersionVar;
  const refs = [...versionTemplate.matchAll(/\{\{-?\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}/g)]
    .map((m) => m[1] ?? '')
    .filter((n) => !n.startsWith('BUILD_ARG_'));
  const defined = new Set(checkout.pkgfile.vars.map((v) => v.name));
  return refs.find((n) => defined.has(n)) ?? refs[0];
}

function checkVersionVar(
  checkout: ExtensionsCheckout,
  names: ModuleNames,
  c: Collector,
  pkgs: PkgsVersion,
  versionTemplate: string | undefined,
): void {
  const name = twinVersionVar(checkout, names, versionTemplate);
  if (name === undefined) {
    c.skip(
      `extensions: VERSION is ${JSON.stringify(versionTemplate)}, built from no Pkgfile var: no twin version to compare`,
    );
    return;
  }
  const pkgsVersion = pkgs.version;
  const v = checkout.pkgfile.vars.find((x) => x.name === name);
  if (!v) {
    // Point at the last pkgs-tied version (where the new line goes), else at `vars:`.
    const anchor =
      checkout.pkgfile.vars
        .filter((x) => x.comment?.startsWith('update this when updating PKGS'))
        .at(-1)?.line ?? checkout.pkgfile.varsSection?.headerLine;
    c.gap({
      id: 'extensions.pkgfile-version',
      repo: 'extensions',
      file: 'Pkgfile',
      ...(anchor ? { line: anchor } : {}),
      message: `vars has no ${name}: add '${name}: ${pkgsVersion ?? '<version>'} # update this when updating PKGS version tag in Makefile' next to the other pkgs versions`,
    });
    return;
  }
  if (pkgsVersion === undefined) {
    c.pass(`extensions: Pkgfile has ${name}: ${v.value}`);
  } else if (v.value === pkgsVersion) {
    c.pass(`extensions: ${name} equals the pkgs ${names.pkgsVarPrefix}_version (${v.value})`);
  } else {
    c.gap({
      id: 'extensions.version-mismatch',
      repo: 'extensions',
      file: 'Pkgfile',
      line: v.line,
      message: `${name} is ${v.value} but pkgs ${names.pkgsVarPrefix}_version is ${pkgsVersion}: set ${name} to ${pkgsVersion} (the extension's VERSION must name the module version it ships)`,
    });
  }
}

async function checkManifest(
  checkout: ExtensionsCheckout,
  names: ModuleNames,
  folder: string,
  c: Collector,
  options: ExtensionsWiringOptions,
): Promise<void> {
  const tmpl = await readOptionalText(join(checkout.dir, folder, 'manifest.yaml.tmpl'));
  const plain =
    tmpl === undefined
      ? await readOptionalText(join(checkout.dir, folder, 'manifest.yaml'))
      : undefined;
  const file = `${folder}/${tmpl !== undefined ? 'manifest.yaml.tmpl' : 'manifest.yaml'}`;
  if (tmpl === undefined && plain === undefined) {
    c.gap({
      id: 'extensions.manifest',
      repo: 'extensions',
      file: `${folder}/manifest.yaml.tmpl`,
      message:
        'the extension has no manifest.yaml.tmpl (or manifest.yaml on older branches): create it with version: v1alpha1 and metadata name, version, author, description, compatibility',
    });
    return;
  }
  const buildArgs: ExtensionBuildArgs = {
    TAG: 'v0.0.0',
    PKGS: checkout.defaults.PKGS,
    PKGS_PREFIX: checkout.defaults.PKGS_PREFIX,
    TOOLS: checkout.defaults.TOOLS,
    TOOLS_PREFIX: checkout.defaults.TOOLS_PREFIX,
    ...options.buildArgs,
  };
  const { vars, unresolved } = await extensionVariables(checkout, folder, buildArgs);
  if (vars.VERSION === undefined || vars.VERSION === '') {
    if (unresolved.VERSION) {
      c.skip(
        `extensions: VERSION uses ${unresolved.VERSION}, which only bldr evaluates: manifest not checked`,
      );
      return;
    }
    c.gap({
      id: 'extensions.version',
      repo: 'extensions',
      file: `${folder}/vars.yaml`,
      message: `no VERSION for the extension: add 'VERSION: "{{ .${names.extensionsVersionVar} }}"' to ${folder}/vars.yaml`,
    });
    return;
  }
  let rendered: string;
  if (tmpl !== undefined) {
    const r = renderSimpleTemplate(tmpl, vars);
    if (r.unresolved.length > 0) {
      c.skip(
        `extensions: ${file} uses ${r.unresolved.join(' ')}, which only bldr evaluates: manifest not checked`,
      );
      return;
    }
    rendered = r.text;
  } else {
    rendered = (plain ?? '').replaceAll('$VERSION', vars.VERSION);
  }
  const talos = options.talosVersion ? parseTolerantVersion(options.talosVersion) : undefined;
  const check = validateExtensionManifest(rendered, {
    extensionName: names.module,
    ...(talos?.ok ? { talosVersion: talos.version } : {}),
  });
  const errors = check.findings.filter((f) => f.status === 'fail' && f.severity === 'error');
  for (const f of errors) {
    c.gap({
      id: `extensions.manifest.${f.id.replace(/^extension\./, '')}`,
      repo: 'extensions',
      file,
      message: f.message,
    });
  }
  if (errors.length === 0) {
    c.pass(
      `extensions: ${file} renders to a manifest the extension rules accept (version ${vars.VERSION})`,
    );
  }
}
