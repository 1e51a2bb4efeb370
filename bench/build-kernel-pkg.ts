/**
 * build-kernel-pkg re-runs, in one run against one loopback registry and the pkgs fixture:
 *
 *   ours (cache hit)   `talos-kmod build-kernel-pkg` with nothing changed: the recorded pinned
 *                      references are checked in the registry and printed, make is skipped
 *   ours (no cache)    the same with --no-cache: make + registry resolution + verify-signatures
 *   make               the seed's `make kernel hailort-pkg REGISTRY=… USERNAME=… PUSH=true
 *                      PLATFORM=linux/amd64` (kernel-build cached, as on a warm builder)
 *
 * The fixture's make stands in for buildx (see test/fixtures/pkgs/README.md): a real kernel
 * build takes tens of minutes, so the real gap of a cache hit is far larger than shown here.
 * Run: `npm run bench -- build-kernel-pkg` (needs `npm run build` for the CLI bundle).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { report, timeCommand } from './_lib/measure';
import { ensureDocker } from '../test/support/docker';
import { createFixtureRepo } from '../test/support/fixture-repos';
import { startRegistry } from '../test/support/registry';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const cli = join(import.meta.dirname, '..', 'packages', 'cli', 'dist', 'talos-kmod.cjs');

async function main(): Promise<void> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  await ensureDocker();
  const registry = await startRegistry();
  const repo = createFixtureRepo('pkgs');
  const buildkit = mkdtempSync(join(tmpdir(), 'bench-buildkit-'));
  const cacheDir = mkdtempSync(join(tmpdir(), 'bench-results-'));
  const env = { ...process.env, FIXTURE_BUILDKIT_CACHE: buildkit };
  try {
    const ours = [
      process.execPath,
      cli,
      'build-kernel-pkg',
      '--pkgs-dir',
      repo.dir,
      '--package',
      'hailort-pkg',
      '--registry',
      registry.host,
      '--username',
      'bench',
      '--cache-dir',
      cacheDir,
    ];
    console.log('first build (fills the fixture build cache and the result cache)…');
    execFileSync(ours[0] as string, ours.slice(1), { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const hit = timeCommand('talos-kmod build-kernel-pkg (cache hit)', ours, { env, runs });
    const full = timeCommand('talos-kmod build-kernel-pkg --no-cache', [...ours, '--no-cache'], {
      env,
      runs,
    });
    const make = timeCommand(
      'make kernel hailort-pkg (seed command)',
      [
        'make',
        'kernel',
        'hailort-pkg',
        `REGISTRY=${registry.host}`,
        'USERNAME=bench',
        'PUSH=true',
        'PLATFORM=linux/amd64',
      ],
      { env, runs, cwd: repo.dir },
    );
    report('build-kernel-pkg', hit, [full, make], {
      note: 'fixture make stands in for buildx; the real kernel build is tens of minutes',
    });
  } finally {
    await registry.stop();
    repo.remove();
    rmSync(buildkit, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

await main();
