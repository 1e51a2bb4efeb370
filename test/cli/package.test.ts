/**
 * The CLI as users install it: `npm pack` of the staged package (scripts/pack-cli.ts, what the
 * release attaches), `npm install -g` of that tarball into a temporary prefix from a clean
 * directory, offline, then the installed `talos-kmod` runs `--version` and a real command; and
 * `npx` (npm exec) of the same tarball.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commands } from '../../packages/cli/src/commands/index';
import { cliPackageVersion, packCli } from '../../scripts/pack-cli';
import { repoRoot } from '../support/action';

let work: string;
let prefix: string;
let tarball: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cli-package-'));
  prefix = join(work, 'prefix');
  ({ tarball } = await packCli(join(work, 'out')));
  const clean = mkdtempSync(join(work, 'clean-'));
  execFileSync(
    'npm',
    ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball],
    {
      cwd: clean,
      encoding: 'utf8',
      env: { ...process.env, npm_config_cache: join(work, 'npm-cache') },
      timeout: 300_000,
    },
  );
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs the installed command with only the prefix's bin and node on PATH, outside the repo. */
function installed(args: string[]) {
  return spawnSync(join(prefix, 'bin', 'talos-kmod'), args, {
    cwd: work,
    encoding: 'utf8',
    env: { PATH: `${join(prefix, 'bin')}:${join(process.execPath, '..')}`, HOME: work },
    timeout: 120_000,
  });
}

describe('the packed CLI', () => {
  it('holds only the launcher, the bundle, package.json and README', () => {
    const list = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    expect(list.sort()).toEqual(
      [
        'package/README.md',
        'package/bin/talos-kmod.cjs',
        'package/dist/talos-kmod.cjs',
        'package/package.json',
      ].sort(),
    );
  });

  it('installs with npm install -g and prints its version', () => {
    const r = installed(['--version']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toBe(`${cliPackageVersion()}\n`);
  });

  it('runs with npx from the tarball in a clean directory, offline', () => {
    const clean = mkdtempSync(join(work, 'npx-'));
    const r = spawnSync(
      'npm',
      ['exec', '--offline', '--yes', `--package=${tarball}`, '--', 'talos-kmod', '--version'],
      {
        cwd: clean,
        encoding: 'utf8',
        env: { ...process.env, npm_config_cache: join(work, 'npx-cache') },
        timeout: 300_000,
      },
    );
    expect({ status: r.status, stdout: r.stdout }).toEqual({
      status: 0,
      stdout: `${cliPackageVersion()}\n`,
    });
  }, 300_000);

  it('shows the help of every command (each loads its module from the installed bundle)', () => {
    const shown = [...commands.map((e) => [e.name]), ['index', 'create']].map((argv) => {
      const r = installed([...argv, '--help']);
      return {
        argv,
        status: r.status,
        stderr: r.stderr,
        usage: r.stdout.startsWith(`Usage: talos-kmod ${argv.join(' ')} `),
      };
    });
    expect(shown).toEqual(shown.map(({ argv }) => ({ argv, status: 0, stderr: '', usage: true })));
    expect(shown.length).toBeGreaterThan(10);
  }, 300_000);

  it('runs a real command: check-wiring on a wired pkgs and extensions checkout', () => {
    const tree = join(repoRoot, 'packages/talos/test/scaffold/testdata/main-branch/out/tree');
    const r = installed([
      'check-wiring',
      'fpga-accel',
      ...['--pkgs', join(tree, 'pkgs'), '--extensions', join(tree, 'extensions')],
    ]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toMatch(/^fpga-accel: wired \(\d+ checks passed\)\n$/);
    const gaps = installed(['check-wiring', 'fpga-accel', '--pkgs', join(work, 'nope')]);
    expect(gaps.status).toBe(2);
  });

  it('carries the version of packages/cli/package.json', () => {
    const pkg = JSON.parse(
      execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
    ) as { version: string; bin: Record<string, string> };
    expect(pkg.version).toBe(
      (
        JSON.parse(readFileSync(join(repoRoot, 'packages/cli/package.json'), 'utf8')) as {
          version: string;
        }
      ).version,
    );
    expect(pkg.bin).toEqual({ 'talos-kmod': 'bin/talos-kmod.cjs' });
  });
});
