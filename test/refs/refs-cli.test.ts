/**
 * `talos-kmod refs` through the bundled CLI (packages/cli/dist), as a user runs it: against a
 * talos-shaped repository holding the real gendata files of several releases, as a directory and
 * as a git URL, in text and JSON, and the failures a user meets.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createTalosReleasesRepo, gendataFile } from '../support/talos-releases';

const repoRoot = join(import.meta.dirname, '../..');
const bundle = join(repoRoot, 'packages/cli/dist/talos-kmod.cjs');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [bundle, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let repo: string;
beforeAll(() => {
  repo = createTalosReleasesRepo();
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('talos-kmod refs', () => {
  it('prints the refs talos v1.11.5 pins, read from a checkout', () => {
    const r = cli(['refs', 'v1.11.5', '--talos-repo', repo]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'talos       v1.11.5',
        'pkgs        aee690b (PKGS=v1.11.0-29-gaee690b, branch release-1.11)',
        'tools       05ee846 (TOOLS=v1.11.0-4-g05ee846, branch release-1.11)',
        'extensions  release-1.11 (tag v1.11.5)',
        `read from ${repo}@v1.11.5:pkg/machinery/gendata/data`,
        '',
      ].join('\n'),
    );
  });

  it('prints JSON for the newest patch of a release line, read from a git URL', () => {
    const r = cli(['refs', 'v1.12', '--talos-repo', `file://${repo}`, '--json']);
    expect(r.code).toBe(0);
    const pkgs = gendataFile('v1.12.11', 'pkgs');
    expect(JSON.parse(r.stdout)).toEqual({
      talosVersion: 'v1.12.11',
      pkgsRef: pkgs.replace(/^.*-g/, ''),
      pkgsTag: pkgs,
      pkgsBranch: 'release-1.12',
      toolsRef: gendataFile('v1.12.11', 'tools').replace(/^.*-g/, ''),
      toolsTag: gendataFile('v1.12.11', 'tools'),
      toolsBranch: 'release-1.12',
      extensionsRef: 'release-1.12',
      extensionsTag: 'v1.12.11',
      talosRef: 'v1.12.11',
      source: `file://${repo}@v1.12.11:pkg/machinery/gendata/data`,
    });
  });

  it('exits 2 naming the value for a version that is not one, and for a missing tag', () => {
    const bad = cli(['refs', 'main', '--talos-repo', repo]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("talos-version is 'main', not a Talos release");
    const missing = cli(['refs', 'v1.10.2', '--talos-repo', repo]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('has no tag v1.10.2 (the 1.10 releases it has: v1.10.9)');
  });
});
