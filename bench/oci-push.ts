/**
 * Pushing a ≥ 100 MB `docker save` archive (4 × 30 MiB random layers, so compression cannot
 * cheat) to a loopback registry, three ways, in one run:
 *
 *   ours    `talos-kmod push docker-archive:… R/bench/ours:v1` (gzips the uncompressed layers)
 *   skopeo  `skopeo copy docker-archive:… docker://…` (gzips them too, with pgzip)
 *   docker  the seed's `docker load -i` + `docker tag` + `docker push`
 *   keep    ours with `--keep-uncompressed` (layers pushed as they are; for reference)
 *
 * Before every run the registry storage is wiped (nothing to skip or mount) and docker forgets
 * the image, so each tool does the whole job. Targets: not slower than skopeo, ≥ 3× faster than
 * docker, peak RSS < 200 MB. `BENCH_RUNS` sets repetitions (default 3, median).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { report, timeCommand } from './_lib/measure';
import { bundleCli, randomLayerImage } from './_lib/oci-images';
import { startRegistry } from '../test/support/registry';

const work = join(import.meta.dirname, '.work', 'oci-push');
const runs = Number(process.env.BENCH_RUNS ?? 3);

async function main(): Promise<void> {
  mkdirSync(work, { recursive: true });
  const cli = await bundleCli(work);
  const { archive, tag } = await randomLayerImage(work, 'push-120m', { layers: 4, mb: 30 });
  const size = statSync(archive).size;
  console.log(`archive: ${archive} (${(size / 1e6).toFixed(0)} MB)`);
  const registry = await startRegistry();
  const wipe = () => {
    if (!existsSync(registry.storageDir)) return;
    for (const f of readdirSync(registry.storageDir))
      rmSync(join(registry.storageDir, f), { recursive: true, force: true });
  };
  const forget = () => {
    wipe();
    try {
      execFileSync('docker', ['rmi', '-f', tag, `${registry.host}/bench/docker:v1`], {
        stdio: 'ignore',
      });
    } catch {
      // not loaded yet
    }
  };
  try {
    const dest = (who: string) => `${registry.host}/bench/${who}:v1`;
    const ours = timeCommand(
      'talos-kmod push',
      [process.execPath, cli, 'push', `docker-archive:${archive}`, dest('ours')],
      { runs, before: wipe },
    );
    const skopeo = timeCommand(
      'skopeo copy',
      [
        'skopeo',
        'copy',
        '-q',
        '--dest-tls-verify=false',
        `docker-archive:${archive}`,
        `docker://${dest('skopeo')}`,
      ],
      { runs, before: wipe },
    );
    const docker = timeCommand(
      'docker load + tag + push',
      `docker load -q -i ${archive} >/dev/null && docker tag ${tag} ${dest('docker')} && docker push -q ${dest('docker')} >/dev/null`,
      { runs, before: forget },
    );
    const keep = timeCommand(
      'talos-kmod push --keep-uncompressed',
      [
        process.execPath,
        cli,
        'push',
        '--keep-uncompressed',
        `docker-archive:${archive}`,
        dest('keep'),
      ],
      { runs, before: wipe },
    );
    report('oci-push', ours, [skopeo, docker, keep], {
      archiveBytes: size,
      targets: {
        notSlowerThanSkopeo: ours.seconds <= skopeo.seconds,
        atLeast3xFasterThanDocker: docker.seconds / ours.seconds >= 3,
        rssUnder200Mb: ours.maxRssMb < 200,
      },
    });
  } finally {
    forget();
    await registry.stop();
  }
}

await main();
