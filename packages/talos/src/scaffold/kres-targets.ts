/**
 * Adds a target to `spec.targets` of the `pkgfile.Build` document in `.kres.yaml` (the list the
 * Makefile's `TARGETS` is generated from), as one `- name` line with the list's own indentation.
 */
import { UserError } from '@talos-kmod/common';
import { parseKresTargets } from '../pkgs/kres';
import type { TargetOrder } from './makefile-targets';
import { insertAfterIndex } from './sorted-position';
import { fromLines, insertAfter, toLines } from './text-lines';

/** Returns `.kres.yaml` text with `target` in `spec.targets` (unchanged when already listed). */
export function addKresTarget(
  text: string,
  target: string,
  order: TargetOrder,
  file = '.kres.yaml',
): string {
  const kres = parseKresTargets(text);
  if (!kres || kres.targets.length === 0) {
    throw new UserError(
      `${file} has no pkgfile.Build document with spec.targets: add '${target}' to the target list by hand`,
    );
  }
  const listed = [...kres.targets, ...Object.values(kres.additionalTargets).flat()];
  if (listed.some((t) => t.name === target)) return text;
  const doc = toLines(text);
  const items = kres.targets.map((t) => {
    const line = doc.lines[t.line - 1] ?? '';
    const m = /^(\s*-\s+)(["']?)([^"'\s#]+)\2\s*(#.*)?$/.exec(line);
    if (!m || m[3] !== t.name) {
      throw new UserError(
        `${file} line ${t.line} lists targets in a form this editor does not rewrite ('${line.trim()}'): ` +
          `add '- ${target}' by hand`,
      );
    }
    return { ...t, prefix: m[1] ?? '  - ' };
  });
  let section = items;
  let anchor: (typeof items)[number] | undefined;
  if (order === 'after-kernel') {
    const k = items.findIndex((t) => t.name === 'kernel');
    if (k < 0) {
      throw new UserError(
        `${file} has no '- kernel' target: module packages are listed after it; add it first`,
      );
    }
    anchor = items[k];
    section = items.slice(k + 1);
  }
  const at = insertAfterIndex(
    section.map((t) => t.name),
    target,
  );
  const after = at >= 0 ? section[at] : anchor;
  if (after) {
    insertAfter(doc, after.line, [`${after.prefix}${target}`]);
  } else {
    const first = items[0] as (typeof items)[number];
    insertAfter(doc, first.line - 1, [`${first.prefix}${target}`]);
  }
  const out = fromLines(doc);
  if (!parseKresTargets(out)?.targets.some((t) => t.name === target)) {
    throw new Error(`internal: ${file} edit did not add ${target} to spec.targets`);
  }
  return out;
}
