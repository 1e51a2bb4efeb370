/**
 * The names a module goes by, read from the checkouts instead of assumed. Upstream does not always
 * follow `<name>` ↔ `<name>-pkg` ↔ `<name>_version` ↔ `<NAME>_VERSION`: the `amazon-ena`
 * extension pulls `ena-pkg`, whose Pkgfile vars are `ena_*`, and its VERSION is built from
 * `ENA_VERSION`; several NVIDIA extensions share one version variable. So:
 *
 * - the extension is `<name>`, or else the one extension whose pkg.yaml pulls `<name>-pkg`;
 * - the package is `<name>-pkg` when pkgs defines it, else the one package the extension's
 *   pkg.yaml pulls from `PKGS_PREFIX`/`PKGS` that pkgs defines;
 * - the var prefix is `<package without -pkg>` (`-` → `_`) when the pkgs Pkgfile defines its
 *   `_version` or `_ref`, else the one `X` of the `{{ .X_version }}` the package's pkg.yaml uses;
 * - the extensions version var is read from the extension's VERSION by the extensions check,
 *   else `<NAME>_VERSION`.
 *
 * Each can be given instead (the CLI's `--extension`, `--package`, `--pkgs-var`, `--version-var`).
 */
import type { ExtensionsCheckout } from '../extensions/checkout';
import { findPkgsImageLines } from '../extensions/image-lines';
import type { PkgsCheckout } from '../pkgs/checkout';
import { moduleNames, type ModuleNames } from './names';

/** Names to use instead of discovering them. */
export interface WiringNameOverrides {
  /** The extension's name (its pkg.yaml `name:` and Makefile target). */
  readonly extension?: string;
  /** The pkgs package the extension ships, e.g. `ena-pkg`. */
  readonly packageName?: string;
  /** The prefix of the pkgs Pkgfile vars, e.g. `ena` for `ena_version`. */
  readonly pkgsVarPrefix?: string;
  /** The extensions Pkgfile var the extension's VERSION is built from, e.g. `ENA_VERSION`. */
  readonly extensionsVersionVar?: string;
}

/** The names, and one line per name that was discovered rather than derived or given. */
export interface DiscoveredNames {
  readonly names: ModuleNames;
  readonly notes: readonly string[];
}

/** Resolves the names for `name` from the checkouts, honouring `overrides`. */
export function discoverNames(
  name: string,
  pkgs: PkgsCheckout | undefined,
  ext: ExtensionsCheckout | undefined,
  overrides: WiringNameOverrides = {},
): DiscoveredNames {
  const derived = moduleNames(name);
  const notes: string[] = [];
  let extension = overrides.extension ?? name;
  if (!overrides.extension && ext && !ext.packages.has(name)) {
    const pullers = [...ext.packages.values()].filter((e) =>
      findPkgsImageLines(e.text).some((l) => l.pkg === derived.packageName),
    );
    if (pullers.length === 1 && pullers[0]) {
      extension = pullers[0].name;
      notes.push(
        `extension ${extension} (${pullers[0].folder}/pkg.yaml pulls ${derived.packageName})`,
      );
    }
  }
  let packageName = overrides.packageName ?? derived.packageName;
  const extEntry = ext?.packages.get(extension);
  if (!overrides.packageName && extEntry) {
    const pulled = findPkgsImageLines(extEntry.text).map((l) => l.pkg);
    const known = pkgs ? pulled.filter((p) => pkgs.packages.has(p)) : pulled;
    const derivedExists = pkgs
      ? pkgs.packages.has(derived.packageName)
      : pulled.includes(derived.packageName);
    const pick = !derivedExists && known.length === 1 ? known[0] : undefined;
    if (pick) {
      packageName = pick;
      notes.push(`package ${pick} (pulled by ${extEntry.folder}/pkg.yaml)`);
    }
  }
  let pkgsVarPrefix =
    overrides.pkgsVarPrefix ?? packageName.replace(/-pkg$/, '').replaceAll('-', '_');
  const pkgEntry = pkgs?.packages.get(packageName);
  if (!overrides.pkgsVarPrefix && pkgs && pkgEntry) {
    const defined = new Set(pkgs.pkgfile.vars.map((v) => v.name));
    const used = new Set(
      [...pkgEntry.text.matchAll(/\{\{-?\s*\.([A-Za-z0-9_]+)_(?:version|ref)\s*-?\}\}/g)]
        .map((m) => m[1] ?? '')
        .filter((p) => defined.has(`${p}_version`) || defined.has(`${p}_ref`)),
    );
    const only = used.size === 1 ? [...used][0] : undefined;
    const derivedDefined =
      defined.has(`${pkgsVarPrefix}_version`) || defined.has(`${pkgsVarPrefix}_ref`);
    if (only && !derivedDefined) {
      pkgsVarPrefix = only;
      notes.push(`pkgs vars ${only}_* (used by ${pkgEntry.folder}/pkg.yaml)`);
    }
  }
  return {
    names: {
      module: extension,
      packageName,
      pkgsVarPrefix,
      extensionsVersionVar:
        overrides.extensionsVersionVar ?? `${extension.replaceAll('-', '_').toUpperCase()}_VERSION`,
      ...(overrides.extensionsVersionVar ? { versionVarGiven: true } : {}),
    },
    notes,
  };
}
