/**
 * Fails when a committed action bundle differs from a fresh build: builds every
 * bundle into a temporary tree and compares byte for byte. Comparing nothing is a failure too: a
 * bundler that finds no action (a moved folder, a changed glob) must not pass as "all match".
 */
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleAll } from './bundle';

/** What a comparison found. */
export interface DistComparison {
  readonly compared: number;
  /** Bundles (relative paths) missing from the tree or different from the fresh build. */
  readonly stale: readonly string[];
}

/** Compares the fresh action bundles `fresh` (under `freshRoot`) with those committed in `root`. */
export function compareBundles(
  root: string,
  freshRoot: string,
  fresh: readonly string[],
): DistComparison {
  const stale: string[] = [];
  let compared = 0;
  for (const file of fresh) {
    const rel = relative(freshRoot, file);
    if (!rel.startsWith('actions/')) continue; // the CLI bundle is built by setup, not committed
    compared++;
    const committed = join(root, rel);
    if (!existsSync(committed) || !readFileSync(committed).equals(readFileSync(file)))
      stale.push(rel);
  }
  return { compared, stale };
}

/** The verdict: undefined when every bundle matches and there was at least one, else why not. */
export function distProblem(c: DistComparison): string | undefined {
  if (c.compared === 0)
    return 'check-dist compared no action bundles: the bundler found no actions/*/src/main.ts; check scripts/bundle.ts and the actions/ folder';
  if (c.stale.length > 0)
    return `These bundles differ from a fresh build:\n  ${c.stale.join('\n  ')}\nRun \`npm run build\` and commit the dist/ changes.`;
  return undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = resolve(import.meta.dirname, '..');
  const tmp = mkdtempSync(join(tmpdir(), 'check-dist-'));
  try {
    const result = compareBundles(root, tmp, await bundleAll(tmp));
    const problem = distProblem(result);
    if (problem) {
      console.error(problem);
      process.exitCode = 1;
    } else {
      console.log(`check-dist: ${result.compared} action bundles match a fresh build`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
