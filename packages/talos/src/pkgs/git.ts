/**
 * Git facts about a checkout: the Makefile's `TAG` and content hashes of folders for cache keys.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecError, UserError, type ExecFn } from '@talos-kmod/common';
import { makeValue, type MakeValue } from '../make/values';

/**
 * The exact argv of the kres Makefiles' `TAG` rule,
 * `TAG ?= $(shell git describe --tag --always --dirty --match v[0-9]\*)`: the shell turns
 * `v[0-9]\*` into the pattern `v[0-9]*` that git receives.
 */
export const describeTagArgs: readonly string[] = [
  'describe',
  '--tag',
  '--always',
  '--dirty',
  '--match',
  'v[0-9]*',
];

/**
 * The tag the checkout's Makefile would use: `v1.11.0-alpha.0-35-g0aaa07a`, a bare short SHA in a
 * fork without tags (`a358137`), `-dirty` appended with uncommitted changes.
 */
export async function describeTag(dir: string, exec: ExecFn): Promise<MakeValue> {
  try {
    const { stdout } = await exec('git', describeTagArgs, { cwd: dir });
    const tag = stdout.trim();
    if (!tag) throw new UserError(`git describe printed nothing in ${dir}`);
    // It becomes make's TAG: a git tag may hold characters the shell would interpret.
    return makeValue(`the tag 'git describe' printed in ${dir} (set the tag input instead)`, tag);
  } catch (e: unknown) {
    if (e instanceof ExecError) {
      throw new UserError(
        `could not compute the image tag in '${dir}' with 'git ${describeTagArgs.join(' ')}': ` +
          'the directory must be a git checkout with at least one commit (or set the tag input)',
        { cause: e, details: e.tail },
      );
    }
    throw e;
  }
}

/**
 * Git tree (or blob) ids of `paths` (relative, `/`-separated) as they are in the working tree,
 * uncommitted and untracked-but-not-ignored changes included: a temporary index is loaded from
 * HEAD, the paths are added to it, and the resulting tree is read. The real index is untouched.
 * A path that does not exist maps to `'missing'`.
 */
export async function workingTreeHashes(
  dir: string,
  paths: readonly string[],
  exec: ExecFn,
): Promise<Record<string, string>> {
  const tmp = await mkdtemp(join(tmpdir(), 'talos-kmod-index-'));
  const env = { ...process.env, GIT_INDEX_FILE: join(tmp, 'index') };
  try {
    await exec('git', ['read-tree', 'HEAD'], { cwd: dir, env }).catch(() => undefined);
    if (paths.length > 0) {
      await exec('git', ['add', '--all', '--', ...paths.map((p) => `:(literal)${p}`)], {
        cwd: dir,
        env,
      }).catch(async () => {
        // A path that does not exist makes `git add` fail: add them one by one.
        for (const p of paths) {
          await exec('git', ['add', '--all', '--', `:(literal)${p}`], { cwd: dir, env }).catch(
            () => undefined,
          );
        }
      });
    }
    const tree = (await exec('git', ['write-tree'], { cwd: dir, env })).stdout.trim();
    const out: Record<string, string> = {};
    for (const p of paths) {
      const r = await exec('git', ['rev-parse', '--verify', '--quiet', `${tree}:${p}`], {
        cwd: dir,
        okExitCodes: [0, 1, 128],
      });
      out[p] = r.exitCode === 0 ? r.stdout.trim() : 'missing';
    }
    return out;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
