/**
 * scripts/release.ts on a temporary git repository with a bare "origin": the semver tag and the
 * moving major tag land on the released commit, notes come from CHANGELOG.md, and every refusal
 * happens before anything is tagged.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changelogSection, release } from '../../scripts/release';
import { repoRoot } from '../support/action';

const temps: string[] = [];
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

const changelog = `# Changelog

## [Unreleased]

## [1.1.0] - 2026-12-03

### Added
- talos-kmod --version

## [1.0.0] - 2026-11-01

- First release.
`;

/** A repository at version `version` with a bare origin; returns both paths. */
function repo(version: string): { dir: string; origin: string } {
  const root = mkdtempSync(join(tmpdir(), 'release-'));
  temps.push(root);
  const origin = join(root, 'origin.git');
  const dir = join(root, 'work');
  git(root, 'init', '-q', '--bare', origin);
  git(root, 'init', '-q', '-b', 'main', dir);
  for (const [k, v] of [
    ['user.name', 'Release Test'],
    ['user.email', 'release@example.invalid'],
  ])
    git(dir, 'config', k ?? '', v ?? '');
  mkdirSync(join(dir, 'packages', 'cli'), { recursive: true });
  writeFileSync(join(dir, 'packages', 'cli', 'package.json'), JSON.stringify({ version }));
  writeFileSync(join(dir, 'CHANGELOG.md'), changelog);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', `release ${version}`);
  git(dir, 'remote', 'add', 'origin', origin);
  git(dir, 'push', '-q', 'origin', 'main');
  return { dir, origin };
}

describe('release', () => {
  it('tags vX.Y.Z and moves vX on the released commit, pushes both, and writes the notes', () => {
    const { dir, origin } = repo('1.0.0');
    const notesFile = join(dir, '..', 'notes.md');
    const first = release({ version: '1.0.0', cwd: dir, push: true, remote: 'origin', notesFile });
    expect(first).toMatchObject({ tag: 'v1.0.0', majorTag: 'v1', prerelease: false });
    expect(readFileSync(notesFile, 'utf8')).toBe('- First release.\n');
    const c1 = git(dir, 'rev-parse', 'HEAD');
    expect(git(origin, 'rev-parse', 'v1.0.0^{commit}')).toBe(c1);
    expect(git(origin, 'rev-parse', 'v1^{commit}')).toBe(c1);
    expect(git(origin, 'cat-file', '-t', 'v1.0.0')).toBe('tag');

    // the next minor moves v1; v1.0.0 stays where it was
    writeFileSync(
      join(dir, 'packages', 'cli', 'package.json'),
      JSON.stringify({ version: '1.1.0' }),
    );
    git(dir, 'commit', '-q', '-am', 'release 1.1.0');
    const second = release({ version: 'v1.1.0', cwd: dir, push: true, remote: 'origin' });
    expect(second.notes).toBe('### Added\n- talos-kmod --version');
    const c2 = git(dir, 'rev-parse', 'HEAD');
    expect(git(origin, 'rev-parse', 'v1^{commit}')).toBe(c2);
    expect(git(origin, 'rev-parse', 'v1.0.0^{commit}')).toBe(c1);
  });

  it('leaves the major tag alone for a prerelease', () => {
    const { dir, origin } = repo('2.0.0-rc.1');
    writeFileSync(join(dir, 'CHANGELOG.md'), `${changelog}\n## [2.0.0-rc.1]\n\n- Try it.\n`);
    git(dir, 'commit', '-q', '-am', 'notes');
    const r = release({ version: '2.0.0-rc.1', cwd: dir, push: true, remote: 'origin' });
    expect(r).toMatchObject({ tag: 'v2.0.0-rc.1', prerelease: true });
    expect(r.majorTag).toBeUndefined();
    expect(git(origin, 'tag', '--list')).toBe('v2.0.0-rc.1');
  });

  it.each([
    ['a version that is not semver', '1.0', {}, /not semver/],
    ['a version package.json does not carry', '1.0.1', {}, /has version 1.0.0, not 1.0.1/],
    ['no CHANGELOG section', '1.0.0', { changelog: '# Changelog\n' }, /no section for 1.0.0/],
    ['a dirty tree', '1.0.0', { dirty: true }, /uncommitted changes/],
    ['an existing tag', '1.0.0', { tagged: 'v1.0.0' }, /already exists/],
    ['an older version', '1.0.0', { tagged: 'v1.2.0' }, /not newer than the latest release v1.2.0/],
  ])(
    'refuses %s and tags nothing',
    (_what, version, setup: Record<string, string | boolean>, message) => {
      const { dir, origin } = repo('1.0.0');
      if (typeof setup.changelog === 'string') {
        writeFileSync(join(dir, 'CHANGELOG.md'), setup.changelog);
        git(dir, 'commit', '-q', '-am', 'no notes');
      }
      if (typeof setup.tagged === 'string') {
        git(dir, 'tag', setup.tagged);
        git(dir, 'push', '-q', 'origin', setup.tagged);
      }
      if (setup.dirty) writeFileSync(join(dir, 'stray.txt'), 'x');
      const before = git(dir, 'tag', '--list');
      expect(() => release({ version, cwd: dir, push: true, remote: 'origin' })).toThrow(message);
      expect(git(dir, 'tag', '--list')).toBe(before);
      expect(git(origin, 'tag', '--list')).toBe(before);
    },
  );

  it('runs as a command and writes tag, major-tag and prerelease to GITHUB_OUTPUT', () => {
    const { dir } = repo('1.0.0');
    const output = join(dir, '..', 'github-output');
    writeFileSync(output, '');
    execFileSync(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'scripts/release.ts'), '1.0.0', '--cwd', dir],
      { cwd: repoRoot, env: { ...process.env, GITHUB_OUTPUT: output }, encoding: 'utf8' },
    );
    expect(readFileSync(output, 'utf8')).toBe('tag=v1.0.0\nmajor-tag=v1\nprerelease=false\n');
  });
});

describe('changelogSection', () => {
  it('reads [X.Y.Z], vX.Y.Z and bare headings up to the next section', () => {
    expect(changelogSection(changelog, '1.0.0')).toBe('- First release.');
    expect(changelogSection('## v3.0.0\nbig\n## 2.0.0\nold', '3.0.0')).toBe('big');
    expect(changelogSection('## 1.0.10\nx', '1.0.1')).toBeUndefined();
  });
});
