/**
 * Fixture repositories as real git checkouts: copies `test/fixtures/<name>` to a temporary
 * directory, runs `git init`, commits everything, and optionally tags the commit, so the
 * Makefiles' `TAG` rule (`git describe --tag --always --dirty --match v[0-9]*`) works as in a fork.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Repository root. */
const repoRoot = resolve(import.meta.dirname, '..', '..');

/** Where the fixture repositories live. */
export const fixturesDir = join(repoRoot, 'test', 'fixtures');

/** A fixture copied into a git repository. */
export interface FixtureRepo {
  /** Absolute path of the checkout. */
  readonly dir: string;
  /** Runs git in the checkout and returns trimmed stdout. */
  git(...args: string[]): string;
  /** Commits every change (`git add -A`) with `message`; returns the new short SHA. */
  commit(message: string): string;
  /** Removes the checkout. */
  remove(): void;
}

/** Options for {@link createFixtureRepo}. */
export interface FixtureRepoOptions {
  /** A tag to put on the first commit (e.g. `v1.11.0`); none by default, like a fresh fork. */
  tag?: string;
  /** Parent directory for the checkout (default: the OS temp dir). */
  parent?: string;
}

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Fixture',
  GIT_AUTHOR_EMAIL: 'fixture@example.invalid',
  GIT_COMMITTER_NAME: 'Fixture',
  GIT_COMMITTER_EMAIL: 'fixture@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

/** Copies `test/fixtures/<name>` into a new git repository with one commit. */
export function createFixtureRepo(name: string, options: FixtureRepoOptions = {}): FixtureRepo {
  const dir = mkdtempSync(join(options.parent ?? tmpdir(), `fixture-${name}-`));
  cpSync(join(fixturesDir, name), dir, { recursive: true });
  const git = (...args: string[]): string =>
    execFileSync('git', args, { cwd: dir, env: gitEnv, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', `fixture ${name}`);
  if (options.tag) git('tag', options.tag);
  return {
    dir,
    git,
    commit: (message: string) => {
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', '--short', 'HEAD');
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The talos fixture as a checkout: `cmd/installer` (a symlink to `test/fixtures/imager` in the
 * repository) is replaced by a copy of the imager sources, `_out/` is ignored, and the commit is
 * tagged like a Talos release so the Makefile's `git describe` TAG is clean.
 */
export function createTalosCheckout(
  tag = 'v1.11.0',
  options: FixtureRepoOptions = {},
): FixtureRepo {
  const repo = createFixtureRepo('talos', options);
  const cmd = join(repo.dir, 'cmd', 'installer');
  rmSync(cmd, { force: true });
  cpSync(join(fixturesDir, 'imager'), cmd, { recursive: true });
  writeFileSync(join(repo.dir, '.gitignore'), '_out/\n');
  repo.commit('imager sources in place');
  repo.git('tag', tag);
  return repo;
}
