/**
 * An extension's `VERSION` (its image tag), computed as bldr does for `bldr eval --target <ext>
 * --build-arg TAG=<tag> '{{.VERSION}}'` (siderolabs/bldr internal/pkg/solver/filesystem_loader.go):
 * the context starts with the build args as `BUILD_ARG_<NAME>`, the `Pkgfile` vars are merged over
 * it, then every `vars.yaml` from the checkout root down to the extension's folder is rendered
 * with the context so far and merged in. Only `{{ .NAME }}` actions are evaluated; a VERSION that
 * needs more is reported as unresolved (callers then read the tag buildx reports).
 */
import { join } from 'node:path';
import { pkgfileVars } from '../pkgfile/pkgfile';
import { parseVarsYaml } from '../pkgfile/vars-yaml';
import type { ExtensionsCheckout } from './checkout';
import { renderSimpleTemplate } from './template';
import { readOptionalText } from '../internal/read-optional-text';

/** The outcome: a version, or why there is none. */
export type ExtensionVersion =
  | { readonly version: string; readonly source: string }
  | { readonly version?: undefined; readonly reason: string };

/** Build args the extensions Makefile passes (`--build-arg=TAG="$(TAG)"`, …). */
export type ExtensionBuildArgs = Readonly<Record<string, string | undefined>>;

/**
 * The variables an extension's templates see, with a list of those that could not be rendered
 * (name → the unresolved action).
 */
export async function extensionVariables(
  checkout: ExtensionsCheckout,
  folder: string,
  buildArgs: ExtensionBuildArgs,
): Promise<{ vars: Record<string, string>; unresolved: Record<string, string>; files: string[] }> {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(buildArgs)) if (v !== undefined) vars[`BUILD_ARG_${k}`] = v;
  Object.assign(vars, pkgfileVars(checkout.pkgfile));
  const unresolved: Record<string, string> = {};
  const files: string[] = [];
  const segments = folder === '.' ? [] : folder.split('/');
  for (let i = 0; i <= segments.length; i++) {
    const rel = segments.slice(0, i).join('/');
    const file = join(checkout.dir, rel, 'vars.yaml');
    const text = await readOptionalText(file);
    if (text === undefined) continue;
    files.push(rel ? `${rel}/vars.yaml` : 'vars.yaml');
    // Every line of one file is rendered with the context before that file, as bldr does.
    const before = { ...vars };
    for (const v of parseVarsYaml(text).vars) {
      const r = renderSimpleTemplate(v.value, before);
      if (r.unresolved.length > 0) {
        unresolved[v.name] = r.unresolved.join(' ');
        delete vars[v.name];
      } else {
        vars[v.name] = r.text;
        delete unresolved[v.name];
      }
    }
  }
  return { vars, unresolved, files };
}

/** The extension's VERSION, or the reason it cannot be computed from the simple template forms. */
export async function extensionVersion(
  checkout: ExtensionsCheckout,
  folder: string,
  buildArgs: ExtensionBuildArgs,
): Promise<ExtensionVersion> {
  const { vars, unresolved, files } = await extensionVariables(checkout, folder, buildArgs);
  const version = vars.VERSION;
  if (version !== undefined && version !== '') {
    return { version, source: files.at(-1) ?? 'vars.yaml' };
  }
  if (unresolved.VERSION) {
    return { reason: `VERSION uses ${unresolved.VERSION}, which only bldr can evaluate` };
  }
  return { reason: `no VERSION in ${files.length > 0 ? files.join(', ') : 'any vars.yaml'}` };
}
