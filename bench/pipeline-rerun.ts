/**
 * Re-running the whole pipeline with nothing changed, against its first run, in one run against
 * one loopback registry and the fixture pkgs/extensions/talos checkouts:
 *
 *   first run   `talos-kmod pipeline` with empty caches: the fixture kernel-build makes a key and
 *               compiles, every image is built and every blob uploaded
 *   re-run      the same command again: build-kernel-pkg is a cache hit (make skipped, recorded
 *               references checked in the registry), blobs that exist are not uploaded again
 *
 * The fixture's "kernel build" takes seconds; upstream it takes tens of minutes, so the real ratio
 * is far larger than shown here. Run: `npm run bench -- pipeline-rerun` (after `npm run build`).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { report, timeCommand } from './_lib/measure';
import { ensureDocker } from '../test/support/docker';
import { createFixtureRepo, createTalosCheckout } from '../test/support/fixture-repos';
import { startRegistry } from '../test/support/registry';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const cli = join(import.meta.dirname, '..', 'packages', 'cli', 'dist', 'talos-kmod.cjs');

async function main(): Promise<void> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  const dockerd = await ensureDocker();
  const registry = await startRegistry();
  const repos = [createFixtureRepo('pkgs'), createFixtureRepo('extensions'), createTalosCheckout()];
  const [pkgs, extensions, talos] = repos.map((r) => r.dir) as [string, string, string];
  const work = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
  const env = {
    ...process.env,
    FIXTURE_BUILDKIT_CACHE: join(work, 'buildkit'),
    FIXTURE_KBUILD_CACHE: join(work, 'kbuild'),
    XDG_CACHE_HOME: join(work, 'cache'),
  };
  const argv = [
    process.execPath,
    cli,
    'pipeline',
    ...['--pkgs', pkgs, '--extensions', extensions, '--talos', talos],
    ...['--package', 'hailort-pkg', '--extension', 'hailort', '--module', 'hailo_pci'],
    ...['--registry', registry.host, '--username', 'bench'],
    ...['--installer-ref', `${registry.host}/bench/installer:rerun`],
  ];
  const emptyCaches = () => {
    for (const d of ['buildkit', 'kbuild', 'cache'])
      rmSync(join(work, d), { recursive: true, force: true });
  };
  try {
    const first = timeCommand('pipeline, first run (empty caches)', argv, {
      env,
      runs,
      before: emptyCaches,
    });
    const rerun = timeCommand('pipeline, re-run with nothing changed', argv, { env, runs });
    report('pipeline-rerun', rerun, [first], {
      note: 'the fixture kernel build takes seconds; a real one tens of minutes',
    });
  } finally {
    for (const r of repos) r.remove();
    await registry.stop();
    rmSync(work, { recursive: true, force: true });
    dockerd?.kill('SIGTERM');
  }
}

await main();
