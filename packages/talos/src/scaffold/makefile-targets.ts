/**
 * Adds a target to the `TARGETS` list of a kres-generated Makefile (siderolabs/pkgs, extensions),
 * one `TARGETS += name` line, touching no other byte. In pkgs, module packages follow
 * `TARGETS += kernel` in alphabetical order; in extensions the whole list is alphabetical.
 */
import { UserError } from '@talos-kmod/common';
import { parseMakefile } from '../make/makefile';
import { insertAfterIndex } from './sorted-position';
import { fromLines, insertAfter, toLines } from './text-lines';

/** `after-kernel`: pkgs module packages; `alphabetical`: extensions. */
export type TargetOrder = 'after-kernel' | 'alphabetical';

const targetLine = /^TARGETS(\s*)(\+=|=)(\s*)(\S+)\s*$/;

/**
 * Returns the Makefile text with `target` in `TARGETS` (unchanged when it is already in
 * `TARGETS` or `NONFREE_TARGETS`). `file` names the file in errors.
 */
export function addMakefileTarget(
  text: string,
  target: string,
  order: TargetOrder,
  file = 'Makefile',
): string {
  const info = parseMakefile(text);
  if ([...info.targets, ...info.nonfreeTargets].some((t) => t.name === target)) return text;
  const doc = toLines(text);
  const entries: { index: number; name: string; op: string }[] = [];
  doc.lines.forEach((line, index) => {
    const m = targetLine.exec(line);
    if (m) entries.push({ index, name: m[4] ?? '', op: m[2] ?? '' });
  });
  if (entries.length === 0) {
    throw new UserError(
      `${file} has no 'TARGETS = …' lines: it is not a kres-generated Makefile of pkgs or extensions`,
    );
  }
  const newLine = `TARGETS += ${target}`;
  if (order === 'after-kernel') {
    const k = entries.findIndex((e) => e.name === 'kernel');
    if (k < 0) {
      throw new UserError(
        `${file} has no 'TARGETS += kernel' line: module packages are listed after it; add it first`,
      );
    }
    const section = entries.slice(k + 1);
    const at = insertAfterIndex(
      section.map((e) => e.name),
      target,
    );
    const after = at < 0 ? (entries[k]?.index ?? 0) : (section[at]?.index ?? 0);
    insertAfter(doc, after + 1, [newLine]);
  } else {
    const at = insertAfterIndex(
      entries.map((e) => e.name),
      target,
    );
    if (at >= 0) {
      insertAfter(doc, (entries[at]?.index ?? 0) + 1, [newLine]);
    } else {
      // The new name sorts first: it takes over the `TARGETS = first` line.
      const first = entries[0] as (typeof entries)[number];
      const line = doc.lines[first.index] ?? '';
      const m = targetLine.exec(line);
      doc.lines[first.index] = `TARGETS${m?.[1] ?? ' '}${first.op}${m?.[3] ?? ' '}${target}`;
      insertAfter(doc, first.index + 1, [`TARGETS += ${first.name}`]);
    }
  }
  const out = fromLines(doc);
  if (!parseMakefile(out).targets.some((t) => t.name === target)) {
    throw new Error(`internal: ${file} edit did not add ${target} to TARGETS`);
  }
  return out;
}
