/**
 * A siderolabs/talos-shaped git repository whose tags carry the real `pkg/machinery/gendata/data`
 * files of those releases (packages/talos/test/testdata/release/gendata, copied from upstream):
 * what `talos-kmod refs` and the release-pairing checks read, without the network.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const gendata = join(import.meta.dirname, '../../packages/talos/test/testdata/release/gendata');
const gendataDir = 'pkg/machinery/gendata/data';

/** The releases the fixtures hold, oldest first. */
export const gendataTags = ['v1.9.6', 'v1.10.9', 'v1.11.0', 'v1.11.5', 'v1.12.11'] as const;

/** The upstream content of a gendata file at a fixture tag (`pkgs`, `tools`, `extras`). */
export function gendataFile(tag: string, file: string): string {
  return readFileSync(join(gendata, tag, file), 'utf8').trim();
}

/** Commits and tags each release's gendata files in a new repository; returns its path. */
export function createTalosReleasesRepo(tags: readonly string[] = gendataTags): string {
  const repo = mkdtempSync(join(tmpdir(), 'talos-releases-'));
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repo,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'fixture',
        GIT_AUTHOR_EMAIL: 'fixture@example.com',
        GIT_COMMITTER_NAME: 'fixture',
        GIT_COMMITTER_EMAIL: 'fixture@example.com',
      },
    });
  git('init', '-q', '-b', 'main');
  for (const tag of tags) {
    rmSync(join(repo, 'pkg'), { recursive: true, force: true });
    mkdirSync(join(repo, gendataDir), { recursive: true });
    cpSync(join(gendata, tag), join(repo, gendataDir), { recursive: true });
    git('add', '-A');
    git('commit', '-q', '-m', `release ${tag}`);
    git('tag', tag);
  }
  return repo;
}
