/**
 * Tags a release the way GitHub Actions users pin actions: an annotated semver tag `vX.Y.Z` on
 * the current commit and the moving major tag `vX` (not moved for a prerelease), with the release
 * notes taken from the `## [X.Y.Z]` section of CHANGELOG.md. It refuses, before tagging anything,
 * a version that is not semver, not newer than every release tag, not what
 * `packages/cli/package.json` says, or without a CHANGELOG section, and a dirty working tree.
 *
 *   tsx scripts/release.ts 1.2.0 [--push] [--remote origin] [--notes-file notes.md] [--cwd DIR]
 *
 * The release workflow (.github/workflows/release.yml) runs the checks and `check-dist` first,
 * then this with `--push`, then publishes the GitHub release with the notes and the CLI tarball.
 * Under Actions it writes `tag`, `major-tag`, `prerelease` and `notes-file` to GITHUB_OUTPUT.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compare, parse, valid } from 'semver';

/** What to release and where. */
export interface ReleaseOptions {
  /** `1.2.0` (a leading `v` is accepted and dropped). */
  version: string;
  /** The repository (default the current directory). */
  cwd: string;
  /** Push both tags to `remote`. */
  push: boolean;
  remote: string;
  /** Where to write the release notes (default: not written). */
  notesFile?: string;
}

/** What was tagged. */
export interface ReleaseResult {
  tag: string;
  /** `v1`; undefined for a prerelease, which leaves the major tag where it is. */
  majorTag?: string;
  prerelease: boolean;
  commit: string;
  notes: string;
}

/** A refusal that names the value and what to do. */
export class ReleaseError extends Error {
  override readonly name = 'ReleaseError';
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).replace(/\n$/, '');
}

/**
 * The body of the CHANGELOG section for `version` (`## [1.2.0] - 2026-12-03`, `## 1.2.0` or
 * `## v1.2.0`), up to the next `## ` heading; undefined when there is none.
 */
export function changelogSection(changelog: string, version: string): string | undefined {
  const lines = changelog.split(/\r?\n/);
  const esc = version.replace(/[.+]/g, (c) => `\\${c}`);
  const head = new RegExp(`^## \\[?v?${esc}\\]?(?:\\s|$)`);
  const start = lines.findIndex((l) => head.test(l));
  if (start < 0) return undefined;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => l.startsWith('## '));
  return (end < 0 ? rest : rest.slice(0, end)).join('\n').trim();
}

/** Checks everything, then creates (and optionally pushes) the tags. */
export function release(options: ReleaseOptions): ReleaseResult {
  const cwd = resolve(options.cwd);
  const version = options.version.replace(/^v/, '');
  const parsed = valid(version) ? parse(version) : null;
  if (!parsed) {
    throw new ReleaseError(
      `version '${options.version}' is not semver: give MAJOR.MINOR.PATCH such as 1.2.0 (or 1.2.0-rc.1)`,
    );
  }
  const tag = `v${version}`;
  const prerelease = parsed.prerelease.length > 0;
  const majorTag = prerelease ? undefined : `v${parsed.major}`;

  const dirty = git(cwd, ['status', '--porcelain']);
  if (dirty) {
    throw new ReleaseError(
      `the working tree has uncommitted changes:\n${dirty}\ncommit or stash them: a release tags exactly what is committed`,
    );
  }
  const pkgPath = join(cwd, 'packages', 'cli', 'package.json');
  const pkgVersion = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version?: string }).version;
  if (pkgVersion !== version) {
    throw new ReleaseError(
      `packages/cli/package.json has version ${pkgVersion ?? '(none)'}, not ${version}: set it to ${version} (npm version ${version} --no-git-tag-version -w packages/cli), commit, and release that commit`,
    );
  }
  const changelogPath = join(cwd, 'CHANGELOG.md');
  const notes = existsSync(changelogPath)
    ? changelogSection(readFileSync(changelogPath, 'utf8'), version)
    : undefined;
  if (!notes) {
    throw new ReleaseError(
      `CHANGELOG.md has no section for ${version}${notes === '' ? ' with any text' : ''}: add '## [${version}] - <date>' with what changed, commit, and release that commit`,
    );
  }

  if (options.push) git(cwd, ['fetch', '--quiet', '--tags', '--force', options.remote]);
  const tags = git(cwd, ['tag', '--list', 'v*']).split('\n').filter(Boolean);
  if (tags.includes(tag)) {
    throw new ReleaseError(`tag ${tag} already exists: release a newer version`);
  }
  const newest = tags
    .map((t) => t.slice(1))
    .filter((v) => valid(v) && v.split('.').length === 3)
    .sort(compare)
    .at(-1);
  if (newest && compare(version, newest) <= 0) {
    throw new ReleaseError(
      `${version} is not newer than the latest release v${newest}: release a higher version`,
    );
  }

  const commit = git(cwd, ['rev-parse', 'HEAD']);
  git(cwd, ['tag', '--annotate', tag, '--message', `talos-kmod-actions ${tag}`, commit]);
  if (majorTag) git(cwd, ['tag', '--force', majorTag, commit]);
  if (options.push) {
    git(cwd, ['push', '--quiet', options.remote, `refs/tags/${tag}`]);
    if (majorTag) git(cwd, ['push', '--quiet', '--force', options.remote, `refs/tags/${majorTag}`]);
  }
  if (options.notesFile) writeFileSync(options.notesFile, `${notes}\n`);
  return { tag, ...(majorTag ? { majorTag } : {}), prerelease, commit, notes };
}

function parseArgs(argv: string[]): ReleaseOptions {
  const options: ReleaseOptions = {
    version: '',
    cwd: process.cwd(),
    push: false,
    remote: 'origin',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new ReleaseError(`${a} needs a value`);
      return v;
    };
    if (a === '--push') options.push = true;
    else if (a === '--remote') options.remote = value();
    else if (a === '--notes-file') options.notesFile = resolve(value());
    else if (a === '--cwd') options.cwd = value();
    else if (!a.startsWith('-') && !options.version) options.version = a;
    else throw new ReleaseError(`unknown argument '${a}'`);
  }
  if (!options.version) {
    throw new ReleaseError(
      'usage: release.ts <version> [--push] [--remote origin] [--notes-file FILE] [--cwd DIR]',
    );
  }
  return options;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const r = release(parseArgs(process.argv.slice(2)));
    console.log(`tagged ${r.tag}${r.majorTag ? ` and moved ${r.majorTag}` : ''} at ${r.commit}`);
    if (process.env.GITHUB_OUTPUT) {
      appendFileSync(
        process.env.GITHUB_OUTPUT,
        `tag=${r.tag}\nmajor-tag=${r.majorTag ?? ''}\nprerelease=${r.prerelease}\n`,
      );
    }
  } catch (e: unknown) {
    console.error(`release: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(e instanceof ReleaseError ? 2 : 1);
  }
}
