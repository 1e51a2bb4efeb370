/**
 * Reads a release's pins from siderolabs/talos: from a checkout (or bare mirror) with `git show
 * <tag>:<file>`, or from a git remote with `git ls-remote` (to find the tag) and a shallow,
 * blob-less fetch of that one tag into a temporary repository (a few hundred KiB instead of a
 * clone). A release line (`v1.11`) resolves to its newest patch tag first.
 */
import { stat } from 'node:fs/promises';
import { createTempDir, ExecError, InputError, type ExecFn } from '@talos-kmod/common';
import {
  gendataDir,
  releaseRefsFromGendata,
  type GendataFiles,
  type ReleaseRefs,
} from './release-refs';
import { isExactRelease, parseTalosRelease, type TalosRelease } from './talos-release';

/** The upstream talos repository, the default source. */
export const defaultTalosRemote = 'https://github.com/siderolabs/talos.git';

/** Where to read from, and how to run git. */
export interface ReadReleaseRefsOptions {
  /** A talos checkout / mirror directory, or a git URL (default {@link defaultTalosRemote}). */
  readonly source?: string;
  readonly exec: ExecFn;
}

/** True when `source` is a git URL rather than a directory. */
export function isGitUrl(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^[\w.-]+@[\w.-]+:/.test(source);
}

// git must never wait for a password on a terminal nobody watches.
const gitEnv = (): NodeJS.ProcessEnv => ({ ...process.env, GIT_TERMINAL_PROMPT: '0' });

async function git(
  exec: ExecFn,
  args: readonly string[],
  cwd?: string,
  okExitCodes?: readonly number[],
): Promise<{ exitCode: number; stdout: string }> {
  return exec('git', args, {
    env: gitEnv(),
    ...(cwd ? { cwd } : {}),
    ...(okExitCodes ? { okExitCodes } : {}),
  });
}

/** Release tags (`vX.Y.Z`, no prereleases) of `source` on the line `major.minor`, newest first. */
export async function listReleaseTags(
  line: Pick<TalosRelease, 'major' | 'minor'>,
  options: ReadReleaseRefsOptions,
): Promise<string[]> {
  const source = options.source ?? defaultTalosRemote;
  const prefix = `v${line.major}.${line.minor}.`;
  let names: string[];
  if (isGitUrl(source)) {
    const out = await remoteCall(source, () =>
      git(options.exec, ['ls-remote', '--tags', '--refs', source, `refs/tags/${prefix}*`]),
    );
    names = out.stdout
      .split('\n')
      .map((l) => l.split('\t')[1]?.replace(/^refs\/tags\//, '') ?? '')
      .filter(Boolean);
  } else {
    await assertGitDirectory(options.exec, source);
    const out = await git(options.exec, ['tag', '--list', `${prefix}*`], source);
    names = out.stdout.split('\n').map((l) => l.trim());
  }
  const patchOf = (t: string) => {
    const m = /^v\d+\.\d+\.(\d+)$/.exec(t);
    return m ? Number(m[1]) : undefined;
  };
  return names
    .filter((t) => t.startsWith(prefix) && patchOf(t) !== undefined)
    .sort((a, b) => (patchOf(b) ?? 0) - (patchOf(a) ?? 0));
}

/**
 * The refs of `releaseText` (`v1.11.5`, or `v1.11` for the newest patch) read from talos' gendata
 * files at that tag. A tag the source does not have fails naming the newest ones it has.
 */
export async function readReleaseRefs(
  releaseText: string,
  options: ReadReleaseRefsOptions,
): Promise<ReleaseRefs> {
  const source = options.source ?? defaultTalosRemote;
  let release = parseTalosRelease(releaseText);
  if (!isExactRelease(release)) {
    const [newest] = await listReleaseTags(release, options);
    if (!newest) {
      throw new InputError(
        `${source} has no release tag on the ${release.tag} line (v${release.major}.${release.minor}.N): check the version, or fetch the tags`,
      );
    }
    release = parseTalosRelease(newest);
  }
  const files = isGitUrl(source)
    ? await readFromRemote(source, release, options)
    : await readFromDirectory(source, release, options);
  return releaseRefsFromGendata(release, files, `${source}@${release.tag}`);
}

/** `dir` must be a git repository (a checkout or a bare mirror) before any tag is looked up in it. */
async function assertGitDirectory(exec: ExecFn, dir: string): Promise<void> {
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) {
    throw new InputError(
      `talos source '${dir}' is neither a directory nor a git URL: give a siderolabs/talos checkout or ${defaultTalosRemote}`,
    );
  }
  const probe = await git(exec, ['rev-parse', '--git-dir'], dir, [0, 128]);
  if (probe.exitCode !== 0) {
    throw new InputError(
      `talos source '${dir}' is a directory but not a git repository: give a siderolabs/talos clone (git clone ${defaultTalosRemote}) or the URL itself`,
    );
  }
}

async function showFiles(
  exec: ExecFn,
  dir: string,
  tag: string,
  source: string,
  what = tag,
): Promise<GendataFiles> {
  const show = async (name: string) => {
    const r = await git(exec, ['show', `${tag}:${gendataDir}/${name}`], dir, [0, 128]);
    return r.exitCode === 0 ? r.stdout : undefined;
  };
  const [pkgs, tools, extras] = await Promise.all([show('pkgs'), show('tools'), show('extras')]);
  if (pkgs === undefined) {
    throw new InputError(
      `${source} has no ${gendataDir}/pkgs at ${what}: is it siderolabs/talos (or a fork of it)?`,
    );
  }
  return {
    pkgs,
    ...(tools !== undefined ? { tools } : {}),
    ...(extras !== undefined ? { extras } : {}),
  };
}

async function missingTag(
  source: string,
  release: TalosRelease,
  options: ReadReleaseRefsOptions,
  hint: string,
  known?: readonly string[],
): Promise<never> {
  const near = known ?? (await listReleaseTags(release, options).catch(() => []));
  throw new InputError(
    `${source} has no tag ${release.tag}` +
      (near.length > 0
        ? ` (the ${release.major}.${release.minor} releases it has: ${near.slice(0, 5).join(', ')})`
        : '') +
      `: ${hint}`,
  );
}

async function readFromDirectory(
  dir: string,
  release: TalosRelease,
  options: ReadReleaseRefsOptions,
): Promise<GendataFiles> {
  await assertGitDirectory(options.exec, dir);
  const has = await git(
    options.exec,
    ['rev-parse', '--verify', '--quiet', `refs/tags/${release.tag}^{commit}`],
    dir,
    [0, 1, 128],
  );
  if (has.exitCode !== 0) {
    await missingTag(
      dir,
      release,
      options,
      `run 'git fetch --tags' in ${dir}, or check the version`,
    );
  }
  return showFiles(options.exec, dir, release.tag, dir);
}

async function remoteCall<T>(url: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e: unknown) {
    if (e instanceof ExecError) {
      throw new InputError(
        `could not read ${url} with git: check the URL and the network (a private fork needs credentials in git's config)`,
        { cause: e, details: e.tail },
      );
    }
    throw e;
  }
}

async function readFromRemote(
  url: string,
  release: TalosRelease,
  options: ReadReleaseRefsOptions,
): Promise<GendataFiles> {
  const tags = await listReleaseTags(release, options);
  if (!release.prerelease && !tags.includes(release.tag)) {
    await missingTag(url, release, options, 'check the version', tags);
  }
  const tmp = await createTempDir('talos-kmod-refs-');
  try {
    // A bare, shallow, blob-less clone of the one tag: commit and trees only (a few hundred KiB
    // of talos instead of ~80 MiB), and `git show` then fetches just the blobs it reads. A server
    // without partial clone ignores the filter (with a warning) and sends the blobs of that commit.
    const repo = `${tmp.path}/talos.git`;
    await remoteCall(url, () =>
      git(options.exec, [
        'clone',
        '--quiet',
        '--bare',
        '--depth=1',
        '--no-tags',
        '--filter=blob:none',
        '--branch',
        release.tag,
        url,
        repo,
      ]),
    );
    // the clone's HEAD is the tag's commit (--branch with a tag detaches it there)
    return await showFiles(options.exec, repo, 'HEAD', url, release.tag);
  } finally {
    await tmp.remove();
  }
}
