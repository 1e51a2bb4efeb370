/**
 * Entry names a node could not place as written (`..` segments, absolute names): a layer can
 * carry them, and every other check compares names, so such an entry is judged at a place it
 * does not land. Extension images get this from the extension rules (`extension.allowed-path`);
 * other images get it here. Only failures are reported: a plain tree adds no line.
 */
import { entryPathProblem, fail, type Finding } from '@talos-kmod/talos';
import { type CheckContext } from './context';

const maxListed = 25;

/** The `image.path-names` failures of a non-extension image. */
export function checkPathNames(ctx: CheckContext): Finding[] {
  if (ctx.kind.kind === 'extension') return [];
  const id = 'image.path-names';
  const out: Finding[] = [];
  let more = 0;
  for (const e of ctx.tree.entries) {
    const problem = entryPathProblem(e.path);
    if (problem === undefined) continue;
    if (out.length >= maxListed) {
      more++;
      continue;
    }
    out.push(
      fail(
        id,
        'error',
        `entry "${e.path}" cannot be placed: ${problem}. Extraction would put it somewhere the other checks do not look; rebuild the image from a plain directory tree (no ".." segments, no absolute names)`,
        { path: e.path },
      ),
    );
  }
  if (more > 0)
    out.push(
      fail(id, 'error', `…and ${more} more such entries (only the first ${maxListed} are listed)`),
    );
  return out;
}
