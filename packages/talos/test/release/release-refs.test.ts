import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InputError, spawnExec } from '@talos-kmod/common';
import {
  checkCheckoutRelease,
  formatReleaseRefs,
  gendataDir,
  listReleaseTags,
  parseDescribe,
  parseTalosRelease,
  readCheckoutFacts,
  readReleaseRefs,
  releaseRefsFromGendata,
} from '@talos-kmod/talos';

const testdata = resolve(import.meta.dirname, '../testdata/release/gendata');
const tags = ['v1.9.6', 'v1.10.9', 'v1.11.0', 'v1.11.5', 'v1.12.11'];
const read = (tag: string, file: string) => readFileSync(join(testdata, tag, file), 'utf8');

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  });

let repo: string;
beforeAll(() => {
  // A talos-shaped repository whose tags carry the real gendata files of those releases.
  repo = mkdtempSync(join(tmpdir(), 'talos-gendata-'));
  git(repo, 'init', '-q', '-b', 'main');
  for (const tag of tags) {
    rmSync(join(repo, 'pkg'), { recursive: true, force: true });
    mkdirSync(join(repo, gendataDir), { recursive: true });
    cpSync(join(testdata, tag), join(repo, gendataDir), { recursive: true });
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', tag);
    git(repo, 'tag', tag);
  }
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('parseTalosRelease', () => {
  it('reads tags, bare versions, prereleases and release lines', () => {
    expect(parseTalosRelease('v1.11.5')).toEqual({
      major: 1,
      minor: 11,
      patch: 5,
      tag: 'v1.11.5',
      branch: 'release-1.11',
    });
    expect(parseTalosRelease('1.12.0-beta.1').tag).toBe('v1.12.0-beta.1');
    expect(parseTalosRelease('v1.11')).toEqual({
      major: 1,
      minor: 11,
      tag: 'v1.11',
      branch: 'release-1.11',
    });
  });
  it.each(['main', 'v1', 'v1.11.5.1', 'release-1.11', '', 'v01.11.5'])(
    'fails with an InputError naming %p',
    (text) => {
      expect(() => parseTalosRelease(text)).toThrow(InputError);
      expect(() => parseTalosRelease(text)).toThrow(`'${text}'`);
    },
  );
});

describe('parseDescribe', () => {
  it('splits the forms the kres TAG rule and talos pins produce', () => {
    expect(parseDescribe('v1.11.0-29-gaee690b')).toEqual({
      tag: 'v1.11.0',
      line: '1.11',
      distance: 29,
      commit: 'aee690b',
      dirty: false,
    });
    expect(parseDescribe('v1.12.0-alpha.0-35-g0aaa07a-dirty')).toEqual({
      tag: 'v1.12.0-alpha.0',
      line: '1.12',
      distance: 35,
      commit: '0aaa07a',
      dirty: true,
    });
    expect(parseDescribe('v1.11.5')).toEqual({
      tag: 'v1.11.5',
      line: '1.11',
      distance: 0,
      dirty: false,
    });
    expect(parseDescribe('a358137')).toEqual({ commit: 'a358137', dirty: false });
    expect(parseDescribe('not a tag')).toBeUndefined();
  });
});

describe('releaseRefsFromGendata on the real upstream files', () => {
  it('pairs v1.11.5 with the pkgs and tools commits talos pins, and extensions release-1.11', () => {
    const refs = releaseRefsFromGendata(
      parseTalosRelease('v1.11.5'),
      { pkgs: read('v1.11.5', 'pkgs'), tools: read('v1.11.5', 'tools') },
      'talos@v1.11.5',
    );
    expect(refs).toEqual({
      talos: 'v1.11.5',
      pkgs: { tag: 'v1.11.0-29-gaee690b', ref: 'aee690b', branch: 'release-1.11' },
      tools: { tag: 'v1.11.0-4-g05ee846', ref: '05ee846', branch: 'release-1.11' },
      extensions: { tag: 'v1.11.5', branch: 'release-1.11' },
      source: `talos@v1.11.5:${gendataDir}`,
    });
    expect(formatReleaseRefs(refs)).toContain('pkgs        aee690b (PKGS=v1.11.0-29-gaee690b');
  });
  it('reads extras as the tools pin before v1.10, where the pkgs pin is the tag itself when exact', () => {
    const refs = releaseRefsFromGendata(
      parseTalosRelease('v1.9.6'),
      { pkgs: read('v1.9.6', 'pkgs'), extras: read('v1.9.6', 'extras') },
      'talos@v1.9.6',
    );
    expect(refs.pkgs).toEqual({
      tag: 'v1.9.0-37-gebd46bc',
      ref: 'ebd46bc',
      branch: 'release-1.9',
    });
    expect(refs.tools).toEqual({ tag: 'v1.9.0', ref: 'v1.9.0', branch: 'release-1.9' });
  });
  it('fails naming the file when it holds no describe string', () => {
    expect(() =>
      releaseRefsFromGendata(parseTalosRelease('v1.11.5'), { pkgs: '<html>' }, 'x@v1.11.5'),
    ).toThrow(`x@v1.11.5:${gendataDir}/pkgs holds '<html>'`);
  });
});

describe('readReleaseRefs', () => {
  it('reads the pins at the tag from a talos checkout', async () => {
    const refs = await readReleaseRefs('v1.12.11', { source: repo, exec: spawnExec });
    expect(refs.pkgs.tag).toBe(read('v1.12.11', 'pkgs').trim());
    expect(refs.tools?.tag).toBe(read('v1.12.11', 'tools').trim());
    expect(refs.extensions.branch).toBe('release-1.12');
  });
  it('resolves a release line to its newest patch', async () => {
    expect(
      await listReleaseTags({ major: 1, minor: 11 }, { source: repo, exec: spawnExec }),
    ).toEqual(['v1.11.5', 'v1.11.0']);
    const refs = await readReleaseRefs('v1.11', { source: repo, exec: spawnExec });
    expect(refs.talos).toBe('v1.11.5');
    expect(refs.pkgs.tag).toBe('v1.11.0-29-gaee690b');
  });
  it('reads the pins from a git remote with ls-remote and a shallow fetch of the tag', async () => {
    const url = `file://${repo}`;
    const refs = await readReleaseRefs('v1.10.9', { source: url, exec: spawnExec });
    expect(refs.pkgs.tag).toBe(read('v1.10.9', 'pkgs').trim());
    expect(refs.source).toBe(`${url}@v1.10.9:${gendataDir}`);
  });
  it('fails naming the releases it has when the tag is missing', async () => {
    for (const source of [repo, `file://${repo}`]) {
      await expect(readReleaseRefs('v1.11.9', { source, exec: spawnExec })).rejects.toThrow(
        'has no tag v1.11.9 (the 1.11 releases it has: v1.11.5, v1.11.0)',
      );
    }
  });
  it('fails on a source that is neither a directory nor a URL', async () => {
    await expect(
      readReleaseRefs('v1.11.5', { source: join(repo, 'nope'), exec: spawnExec }),
    ).rejects.toThrow('is neither a directory nor a git URL');
  });
  it('fails on a directory that is not a git repository, for a tag and for a release line', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'not-git-'));
    try {
      for (const version of ['v1.11.5', 'v1.11']) {
        const failure = readReleaseRefs(version, { source: plain, exec: spawnExec });
        await expect(failure).rejects.toThrow(InputError);
        await expect(failure).rejects.toThrow(
          `talos source '${plain}' is a directory but not a git repository`,
        );
      }
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });
});

describe('checkCheckoutRelease', () => {
  const v1115 = parseTalosRelease('v1.11.5');
  const refs = releaseRefsFromGendata(
    v1115,
    { pkgs: read('v1.11.5', 'pkgs'), tools: read('v1.11.5', 'tools') },
    'talos@v1.11.5',
  );
  it('accepts a pkgs checkout on the release line, and its fork commits', () => {
    expect(
      checkCheckoutRelease('pkgs', '/w/pkgs', { describe: 'v1.11.0-29-gaee690b' }, v1115, refs)
        .verdict,
    ).toBe('match');
    expect(
      checkCheckoutRelease('pkgs', '/w/pkgs', { describe: 'v1.11.0-31-g1234567-dirty' }, v1115)
        .verdict,
    ).toBe('match');
  });
  it('names both sides when a pkgs checkout is from main', () => {
    const m = checkCheckoutRelease(
      'pkgs',
      '/w/pkgs',
      { describe: 'v1.12.0-alpha.0-35-g0aaa07a', branch: 'main' },
      v1115,
      refs,
    );
    expect(m.verdict).toBe('mismatch');
    expect(m.message).toBe(
      'the pkgs checkout /w/pkgs is at v1.12.0-alpha.0-35-g0aaa07a (branch main), but Talos v1.11.5 pairs with pkgs release-1.11 (PKGS v1.11.0-29-gaee690b, commit aee690b): check out release-1.11 (or aee690b, the commit Talos v1.11.5 pins), or set talos-version to the release the checkout belongs to',
    );
  });
  it('accepts an untagged fork on the release branch, and cannot tell without one', () => {
    expect(
      checkCheckoutRelease(
        'extensions',
        '/w/ext',
        { describe: 'a358137', branch: 'release-1.11' },
        v1115,
      ).verdict,
    ).toBe('match');
    expect(
      checkCheckoutRelease('extensions', '/w/ext', { describe: 'a358137' }, v1115).verdict,
    ).toBe('unknown');
  });
  it('names a checkout on another release branch a mismatch, tagged or not', () => {
    for (const describe of ['a358137', 'v1.11.0-3-gabcdef0']) {
      expect(
        checkCheckoutRelease('extensions', '/w/ext', { describe, branch: 'release-1.10' }, v1115)
          .verdict,
      ).toBe('mismatch');
    }
  });
  it('wants the exact tag of a talos checkout', () => {
    expect(checkCheckoutRelease('talos', '/t', { describe: 'v1.11.5' }, v1115).verdict).toBe(
      'match',
    );
    const m = checkCheckoutRelease('talos', '/t', { describe: 'v1.11.3' }, v1115);
    expect(m.verdict).toBe('mismatch');
    expect(m.message).toContain(
      'but Talos v1.11.5 pairs with talos v1.11.5: check out the tag v1.11.5',
    );
  });
  it('reads describe and branch from a real checkout', async () => {
    const facts = await readCheckoutFacts(repo, spawnExec);
    expect(facts).toEqual({ describe: 'v1.12.11', branch: 'main' });
    writeFileSync(join(repo, 'dirt'), 'x');
    git(repo, 'add', 'dirt');
    expect((await readCheckoutFacts(repo, spawnExec)).describe).toBe('v1.12.11-dirty');
    git(repo, 'rm', '-q', '--cached', 'dirt');
    rmSync(join(repo, 'dirt'));
  });
});
