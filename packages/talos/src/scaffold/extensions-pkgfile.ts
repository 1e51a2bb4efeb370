/**
 * The module's version in the extensions `Pkgfile` (siderolabs/extensions Pkgfile): the twin of
 * the pkgs `<name>_version`, in the first group of `vars:` next to its siblings,
 *
 *   HAILORT_VERSION: 4.24.0 # update this when updating PKGS version tag in Makefile
 *
 * Upstream gives these no Renovate comment on purpose: the value must follow the pkgs version the
 * Makefile's `PKGS` pins, not the module's upstream releases.
 */
import { UserError } from '@talos-kmod/common';
import { parsePkgfile } from '../pkgfile/pkgfile';
import type { EditOptions, EditResult } from './edit-result';
import type { ModuleSpec } from './module-spec';
import { setVarValue } from './set-var-value';
import { fromLines, insertAfter, toLines } from './text-lines';
import { yamlScalar } from './yaml-scalar';

/** The trailing comment used when the file has no sibling to copy it from. */
export const defaultPkgsVersionComment = 'update this when updating PKGS version tag in Makefile';

const siblingComment = /^update this when updating PKGS/;

/** Returns the extensions `Pkgfile` text with `<NAME>_VERSION` set to the module's version. */
export function upsertExtensionsVersionVar(
  text: string,
  spec: Pick<ModuleSpec, 'extensionsVersionVar' | 'version'>,
  options: EditOptions = {},
  file = 'Pkgfile',
): EditResult {
  const pkgfile = parsePkgfile(text);
  const section = pkgfile.varsSection;
  if (!section) {
    throw new UserError(`${file} has no 'vars:' section: it is not an extensions Pkgfile`);
  }
  const doc = toLines(text);
  const name = spec.extensionsVersionVar;
  const existing = pkgfile.vars.find((v) => v.name === name);
  if (existing) {
    if (existing.value === spec.version) return { text, conflicts: [] };
    if (!options.force) {
      return {
        text,
        conflicts: [
          {
            what: `${name} is ${existing.value}`,
            line: existing.line,
            existing: existing.value,
            wanted: spec.version,
          },
        ],
      };
    }
    doc.lines[existing.line - 1] = setVarValue(
      doc.lines[existing.line - 1] ?? '',
      yamlScalar(spec.version),
    );
    return { text: fromLines(doc), conflicts: [] };
  }
  const siblings = pkgfile.vars.filter((v) => v.comment && siblingComment.test(v.comment));
  const sibling = siblings.at(-1);
  const comment = sibling?.comment ?? defaultPkgsVersionComment;
  const line = `${section.indent}${name}: ${yamlScalar(spec.version)} # ${comment}`;
  const firstPlain = pkgfile.blocks.find((b) => !b.renovate && b.vars.length > 0);
  if (sibling || firstPlain) {
    insertAfter(doc, sibling?.line ?? firstPlain?.lastLine ?? section.headerLine, [line]);
  } else {
    // No plain group yet: start one right under `vars:`, apart from the Renovate blocks.
    const more = section.lastLine > section.headerLine;
    insertAfter(doc, section.headerLine, more ? [line, ''] : [line]);
  }
  return { text: fromLines(doc), conflicts: [] };
}
