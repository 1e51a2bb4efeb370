/**
 * Unified diffs of planned file changes in git's format (`diff --git`, `new file mode`,
 * `--- /dev/null`), so `--dry-run` output can be read as a review and applied with `git apply`.
 * Hunks come from jsdiff's `structuredPatch`.
 */
import { structuredPatch } from 'diff';

/** One file's text before (undefined: the file does not exist) and after. */
export interface DiffInput {
  /** Path relative to the repository root, with `/` separators. */
  readonly path: string;
  readonly before: string | undefined;
  readonly after: string;
}

/** The git-style unified diff of one file; '' when nothing changes. */
export function unifiedDiff(change: DiffInput, context = 3): string {
  const { path, before, after } = change;
  if (before === after) return '';
  const patch = structuredPatch(`a/${path}`, `b/${path}`, before ?? '', after, '', '', { context });
  const out = [`diff --git a/${path} b/${path}`];
  if (before === undefined) out.push('new file mode 100644');
  out.push(before === undefined ? '--- /dev/null' : `--- a/${path}`, `+++ b/${path}`);
  for (const h of patch.hunks) {
    const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
    const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
    out.push(`@@ -${oldStart},${h.oldLines} +${newStart},${h.newLines} @@`, ...h.lines);
  }
  return `${out.join('\n')}\n`;
}

/** The diffs of several files, concatenated in the order given. */
export function unifiedDiffs(changes: readonly DiffInput[], context = 3): string {
  return changes.map((c) => unifiedDiff(c, context)).join('');
}
