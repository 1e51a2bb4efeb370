/**
 * The module's block in the pkgs `Pkgfile` `vars:` section (siderolabs/pkgs Pkgfile):
 *
 *   # renovate: datasource=github-releases extractVersion=^v(?<version>.*)$ depName=hailo-ai/hailort-drivers
 *   hailort_version: 4.24.0
 *   hailort_sha256: …
 *   hailort_sha512: …
 *
 * placed after the block of the alphabetically preceding package, separated by blank lines.
 */
import { UserError } from '@talos-kmod/common';
import { parsePkgfile } from '../pkgfile/pkgfile';
import type { EditConflict, EditOptions, EditResult } from './edit-result';
import type { ModuleSpec } from './module-spec';
import { insertAfterIndex } from './sorted-position';
import { setVarValue } from './set-var-value';
import { fromLines, insertAfter, toLines } from './text-lines';
import { yamlScalar } from './yaml-scalar';

/** The Renovate comment for the module (without indentation). */
export function renovateComment(spec: Pick<ModuleSpec, 'renovate'>): string {
  const r = spec.renovate;
  return [
    '# renovate:',
    `datasource=${r.datasource}`,
    ...(r.extractVersion ? [`extractVersion=${r.extractVersion}`] : []),
    `depName=${r.depName}`,
  ].join(' ');
}

/** The `<prefix>_version/_sha256/_sha512` variables and their values, in block order. */
export function pkgsVars(spec: ModuleSpec): [string, string][] {
  const p = spec.pkgsVarPrefix;
  return [
    [`${p}_version`, spec.version],
    [`${p}_sha256`, spec.sha256],
    [`${p}_sha512`, spec.sha512],
  ];
}

const varSuffix = /_(version|ref|sha256|sha512)$/;

/** Returns the pkgs `Pkgfile` text with the module's vars block (added or completed). */
export function upsertPkgsVarsBlock(
  text: string,
  spec: ModuleSpec,
  options: EditOptions = {},
  file = 'Pkgfile',
): EditResult {
  const pkgfile = parsePkgfile(text);
  const section = pkgfile.varsSection;
  if (!section) {
    throw new UserError(`${file} has no 'vars:' section: it is not a pkgs Pkgfile`);
  }
  const doc = toLines(text);
  const indent = section.indent;
  const wanted = pkgsVars(spec);
  const existing = new Map(pkgfile.vars.map((v) => [v.name, v]));
  const conflicts: EditConflict[] = [];
  const present = wanted.filter(([n]) => existing.has(n));
  for (const [name, value] of present) {
    const v = existing.get(name);
    if (!v || v.value === value) continue;
    if (options.force) {
      doc.lines[v.line - 1] = setVarValue(doc.lines[v.line - 1] ?? '', yamlScalar(value));
    } else {
      conflicts.push({
        what: `${name} is ${v.value}`,
        line: v.line,
        existing: v.value,
        wanted: value,
      });
    }
  }
  const missing = wanted.filter(([n]) => !existing.has(n));
  const lineFor = ([n, v]: [string, string]) => `${indent}${n}: ${yamlScalar(v)}`;
  if (present.length > 0) {
    // Complete a partial block right after its last existing variable.
    const last = Math.max(...present.map(([n]) => existing.get(n)?.line ?? 0));
    insertAfter(doc, last, missing.map(lineFor));
    return { text: fromLines(doc), conflicts };
  }
  const block = [`${indent}${renovateComment(spec)}`, ...wanted.map(lineFor)];
  const candidates = pkgfile.blocks
    .filter((b) => b.renovate && b.vars.length > 0)
    .map((b) => ({ block: b, key: (b.vars[0]?.name ?? '').replace(varSuffix, '') }));
  const at = insertAfterIndex(
    candidates.map((c) => c.key),
    spec.pkgsVarPrefix,
  );
  if (at >= 0) {
    insertAfter(doc, candidates[at]?.block.lastLine ?? section.lastLine, ['', ...block]);
  } else if (candidates.length > 0) {
    insertAfter(doc, (candidates[0]?.block.firstLine ?? 1) - 1, [...block, '']);
  } else {
    insertAfter(doc, section.lastLine, [
      ...(section.lastLine > section.headerLine ? [''] : []),
      ...block,
    ]);
  }
  return { text: fromLines(doc), conflicts };
}
