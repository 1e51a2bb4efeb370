/**
 * Pushing `docker save` archives to a loopback registry, three ways, on four inputs:
 *
 *   rows    modules       one 400 MB layer: every module of Debian's linux-image-*-amd64
 *           small-layers  48 layers of modules, ~100 MB in all
 *           random        4 × 30 MiB random layers (stored, not deflated: our best case)
 *           installer     an installer-shaped image: Go binaries, a real vmlinuz, a zstd initramfs
 *   tools   ours    `talos-kmod push docker-archive:… R/bench/ours:v1` (gzips the layers)
 *           skopeo  `skopeo copy docker-archive:… docker://…` (gzips them too, with pgzip)
 *           docker  the seed's `docker load -i` + `docker tag` + `docker push`
 *
 * Runs are interleaved (one run of each tool per round) and each starts from nothing: registry
 * storage wiped, docker's copy of the image removed, skopeo's blob-info cache deleted, ours given
 * an empty cache directory, and `sync` after every run so the page cache's write-back of one
 * tool's files (docker load writes the whole image) is not timed in the next. Each row records
 * the median time, the peak RSS and the bytes the tool stored in the registry. Targets per row (issue): not slower than skopeo, ≥ 3× faster than
 * docker, output within 3% of skopeo's, peak RSS < 200 MB. CPU seconds (user + system) are
 * recorded too: on a machine shared with other work they compare better than wall time (docker's
 * CPU is spent in dockerd and not counted). `BENCH_RUNS` (default 3),
 * `BENCH_ROWS` (comma-separated subset).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { timeCommand, writeResults, type Measurement } from './_lib/measure';
import { bundleCli, randomLayerImage } from './_lib/oci-images';
import {
  installerImage,
  manySmallLayersImage,
  modulesImage,
  type DockerArchive,
} from './_lib/push-inputs';
import { ensureDocker } from '../test/support/docker';
import { startRegistry, type TestRegistry } from '../test/support/registry';

const work = join(import.meta.dirname, '.work', 'oci-push');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const skopeoCache = '/var/lib/containers/cache';

interface Sample extends Measurement {
  /** Bytes of every blob the tool stored in the registry (layers and config). */
  bytes: number;
}

/** Total size of the blobs in the registry's storage. */
function storedBytes(registry: TestRegistry): number {
  const blobs = join(registry.storageDir, 'docker', 'registry', 'v2', 'blobs');
  if (!existsSync(blobs)) return 0;
  const out = execFileSync('find', [blobs, '-name', 'data', '-printf', '%s\\n'], {
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .filter(Boolean)
    .reduce((a, b) => a + Number(b), 0);
}

/** The image ID `docker load` gives an archive's image: its config digest. */
function imageId(archive: string): string {
  const [entry] = JSON.parse(
    execFileSync('tar', ['-xOf', archive, 'manifest.json'], { encoding: 'utf8' }),
  ) as { Config: string }[];
  return `sha256:${(entry?.Config ?? '').replace(/^(blobs\/sha256\/)?/, '').replace(/\.json$/, '')}`;
}

function median(samples: readonly Sample[]): Sample & { runs: number[]; cpuRuns: number[] } {
  const sorted = [...samples].sort((a, b) => a.seconds - b.seconds);
  const m = sorted[Math.floor(sorted.length / 2)];
  if (!m) throw new Error('no samples');
  return {
    ...m,
    maxRssMb: Math.max(...samples.map((s) => s.maxRssMb)),
    runs: samples.map((s) => s.seconds),
    cpuRuns: samples.map((s) => s.cpuSeconds ?? 0),
  };
}

async function main(): Promise<void> {
  mkdirSync(work, { recursive: true });
  await ensureDocker();
  const cli = await bundleCli(work);
  const inputs: Record<string, () => Promise<DockerArchive>> = {
    modules: async () => modulesImage(work),
    'small-layers': async () => manySmallLayersImage(work, 48),
    random: async () => randomLayerImage(work, 'push-120m', { layers: 4, mb: 30 }),
    installer: async () => installerImage(work),
  };
  const wanted = process.env.BENCH_ROWS?.split(',') ?? Object.keys(inputs);
  const registry = await startRegistry();
  const wipe = () => {
    for (const f of existsSync(registry.storageDir) ? readdirSync(registry.storageDir) : [])
      rmSync(join(registry.storageDir, f), { recursive: true, force: true });
  };
  const rows: Record<string, unknown>[] = [];
  const loadBefore = readLoad();
  try {
    for (const name of wanted) {
      const make = inputs[name];
      if (!make) throw new Error(`no row '${name}'; rows: ${Object.keys(inputs).join(', ')}`);
      const { archive } = await make();
      const id = imageId(archive);
      const archiveBytes = statSync(archive).size;
      console.log(`${name}: ${archive} (${(archiveBytes / 1e6).toFixed(0)} MB)`);
      const dest = (who: string) => `${registry.host}/bench/${name}-${who}:v1`;
      const cacheHome = join(work, 'xdg-cache');
      const tools: { label: string; before: () => void; argv: string[] | string }[] = [
        {
          label: 'talos-kmod push',
          before: () => rmSync(cacheHome, { recursive: true, force: true }),
          argv: [process.execPath, cli, 'push', `docker-archive:${archive}`, dest('ours')],
        },
        {
          label: 'skopeo copy',
          before: () => {
            for (const f of existsSync(skopeoCache) ? readdirSync(skopeoCache) : []) {
              if (f.startsWith('blob-info-cache')) rmSync(join(skopeoCache, f), { force: true });
            }
          },
          argv: [
            'skopeo',
            'copy',
            '-q',
            '--dest-tls-verify=false',
            `docker-archive:${archive}`,
            `docker://${dest('skopeo')}`,
          ],
        },
        {
          label: 'docker load + tag + push',
          before: () => {
            try {
              execFileSync('docker', ['rmi', '-f', id, dest('docker')], { stdio: 'ignore' });
            } catch {
              // not loaded
            }
          },
          argv: `docker load -q -i ${archive} >/dev/null && docker tag ${id} ${dest('docker')} && docker push -q ${dest('docker')} >/dev/null`,
        },
      ];
      const samples = tools.map(() => [] as Sample[]);
      for (let i = 0; i < runs; i++) {
        tools.forEach((t, k) => {
          wipe();
          t.before();
          const m = timeCommand(t.label, t.argv, {
            runs: 1,
            env: { ...process.env, XDG_CACHE_HOME: cacheHome },
          });
          samples[k]?.push({ ...m, bytes: storedBytes(registry) });
          // write back what this run left dirty (docker load writes the whole image to its
          // storage) before the next tool is timed, so no run pays for another's writes
          execFileSync('sync');
        });
      }
      tools[2]?.before();
      const [ours, skopeo, docker] = samples.map(median);
      if (!ours || !skopeo || !docker) throw new Error('missing samples');
      const row = {
        row: name,
        archiveBytes,
        ours,
        skopeo,
        docker,
        ratios: {
          skopeoOverOurs: Number((skopeo.seconds / ours.seconds).toFixed(2)),
          dockerOverOurs: Number((docker.seconds / ours.seconds).toFixed(2)),
          sizeOursOverSkopeo: Number((ours.bytes / skopeo.bytes).toFixed(4)),
        },
        targets: {
          notSlowerThanSkopeo: ours.seconds <= skopeo.seconds,
          atLeast3xFasterThanDocker: docker.seconds / ours.seconds >= 3,
          sizeWithin3PercentOfSkopeo: Math.abs(ours.bytes / skopeo.bytes - 1) <= 0.03,
          rssUnder200Mb: ours.maxRssMb < 200,
        },
      };
      rows.push(row);
      console.log(`\n${name} (${runs} interleaved runs, medians)`);
      for (const s of [ours, skopeo, docker]) {
        console.log(
          `  ${s.label.padEnd(26)} ${s.seconds.toFixed(2).padStart(7)} s  ${(s.bytes / 1e6)
            .toFixed(1)
            .padStart(
              7,
            )} MB out  ${s.maxRssMb.toFixed(0).padStart(5)} MB RSS  runs ${s.runs.join(' / ')} s, CPU ${s.cpuRuns.join(' / ')} s`,
        );
      }
      console.log(`  ${JSON.stringify(row.ratios)} ${JSON.stringify(row.targets)}`);
    }
  } finally {
    wipe();
    await registry.stop();
  }
  // A subset of rows (BENCH_ROWS) replaces those rows in the last results and keeps the others.
  const previous = process.env.BENCH_ROWS ? previousRows(rows.map((r) => String(r.row))) : [];
  writeResults('oci-push', {
    runs,
    load: { before: loadBefore, after: readLoad() },
    rows: [...previous, ...rows],
  });
}

function previousRows(replaced: readonly string[]): Record<string, unknown>[] {
  const path = join(import.meta.dirname, 'results', 'oci-push.json');
  try {
    const last = JSON.parse(readFileSync(path, 'utf8')) as { rows?: Record<string, unknown>[] };
    return (last.rows ?? []).filter((r) => !replaced.includes(String(r.row)));
  } catch {
    return [];
  }
}

function readLoad(): string {
  try {
    return execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

await main();
