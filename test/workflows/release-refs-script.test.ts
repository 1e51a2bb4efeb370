/**
 * scripts/ci/release-refs.sh, run by bash with the environment the reusable workflow gives it:
 * the refs a run checks out when only talos-version is given (release-X.Y branches of the pkgs and
 * extensions forks, the talos tag), given refs kept as they are, and a bad version refused.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFileCommands, repoRoot } from '../support/action';

function refs(env: Record<string, string>) {
  const output = join(mkdtempSync(join(tmpdir(), 'release-refs-')), 'output');
  writeFileSync(output, '');
  const r = spawnSync('bash', [join(repoRoot, 'scripts', 'ci', 'release-refs.sh')], {
    env: { PATH: process.env.PATH ?? '', GITHUB_OUTPUT: output, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return {
    status: r.status,
    stdout: r.stdout,
    outputs: parseFileCommands(readFileSync(output, 'utf8')),
  };
}

describe('release-refs.sh', () => {
  it('pairs the refs with talos-version when none is given', () => {
    const r = refs({ TALOS_VERSION: 'v1.11.5' });
    expect(r.status).toBe(0);
    expect(r.outputs).toMatchObject({
      'pkgs-ref': 'release-1.11',
      'extensions-ref': 'release-1.11',
      'talos-ref': 'v1.11.5',
    });
  });
  it('keeps given refs, and takes the branch for a release line', () => {
    const r = refs({ TALOS_VERSION: '1.12', PKGS_REF: 'my-module', TALOS_REF: '' });
    expect(r.outputs).toMatchObject({
      'pkgs-ref': 'my-module',
      'extensions-ref': 'release-1.12',
      'talos-ref': 'release-1.12',
    });
  });
  it('leaves the default branches and talos main without a talos-version', () => {
    expect(refs({}).outputs).toMatchObject({
      'pkgs-ref': '',
      'extensions-ref': '',
      'talos-ref': 'main',
    });
  });
  it('fails naming a version that is not one', () => {
    const r = refs({ TALOS_VERSION: 'main' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("::error::talos-version is 'main', not a Talos release");
  });
});
