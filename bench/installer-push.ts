/**
 * Publishing an installer tarball (≥ 100 MB), three ways, in one run against one loopback registry:
 *
 *   ours    @talos-kmod/oci push of docker-archive:installer-amd64.tar (what build-installer does)
 *   docker  the seed's `docker load -i` + `docker tag` + `docker push`
 *   skopeo  `skopeo copy docker-archive:… docker://…`
 *
 * The tarball is a real imager output: the talos fixture builds installer-base and imager with a
 * kernel image whose vmlinuz is 110 MB of random bytes, and the fixture imager writes
 * _out/installer-amd64.tar. Before every run the registry storage is wiped (nothing to skip or
 * mount) and docker forgets the loaded image. Targets: ≥ 3× faster than docker, not slower than
 * skopeo. Run: `npm run bench -- installer-push`.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { inlineWorkerPrograms } from '../scripts/bundle';
import { report, timeCommand, type Measurement } from './_lib/measure';
import { ensureDocker } from '../test/support/docker';
import { startRegistry } from '../test/support/registry';
import {
  makeFixtureImager,
  prepareTalosCheckout,
  pushExtensionImage,
  pushKernelImage,
} from '../test/build-installer/images';

const work = join(import.meta.dirname, '.work', 'installer-push');
const runs = Number(process.env.BENCH_RUNS ?? 3);

async function pushScript(): Promise<string> {
  // A bundled one-shot push, so ours starts like a CLI (no TypeScript loader in the timing).
  const entry = join(work, 'push-once.ts');
  const out = join(work, 'push-once.cjs');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    entry,
    [
      "import { push } from '@talos-kmod/oci';",
      'const [source, dest] = process.argv.slice(2);',
      'push(`docker-archive:${source}`, dest ?? "").then(',
      '  (r) => console.log(r.reference),',
      '  (e) => { console.error(e); process.exit(1); },',
      ');',
      '',
    ].join('\n'),
  );
  await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    tsconfig: join(import.meta.dirname, '..', 'tsconfig.json'),
    logLevel: 'warning',
    plugins: [inlineWorkerPrograms],
  });
  return out;
}

async function main(): Promise<void> {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  await ensureDocker();
  const registry = await startRegistry();
  const checkout = prepareTalosCheckout('v1.11.0');
  try {
    const prefix = `${registry.host}/bench`;
    console.log('building a 110 MB kernel, installer-base, imager and the installer tarball…');
    await pushKernelImage(`${prefix}/kernel:big`, ['amd64'], {
      vmlinuz: randomBytes(110 * 1024 * 1024),
    });
    await pushExtensionImage(`${prefix}/hailort:4.24.0`, 'hailort', ['amd64']);
    const built = makeFixtureImager(checkout, {
      registry: registry.host,
      username: 'bench',
      tag: 'v1.11.0',
      kernel: `${prefix}/kernel:big`,
      platforms: ['linux/amd64'],
    });
    execFileSync(
      'docker',
      [
        'run',
        '--rm',
        '--network=host',
        '-v',
        `${checkout}/_out:/out`,
        built.imager,
        'installer',
        '--arch',
        'amd64',
        '--base-installer-image',
        built.installerBase,
        '--system-extension-image',
        `${prefix}/hailort:4.24.0`,
      ],
      { stdio: 'ignore' },
    );
    const tarball = join(checkout, '_out', 'installer-amd64.tar');
    const sizeMb = statSync(tarball).size / 1024 / 1024;
    console.log(`tarball: ${tarball} (${sizeMb.toFixed(0)} MB)`);
    const loaded = JSON.parse(
      execFileSync('tar', ['-xOf', tarball, 'manifest.json'], { encoding: 'utf8' }),
    ) as { Config: string; RepoTags: string[] | null }[];
    // The image ID docker gives the loaded image is its config digest.
    const imageId = loaded[0]?.Config ?? '';
    const script = await pushScript();

    let n = 0;
    const dest = (who: string) => `${registry.host}/published/${who}-${n}:1h`;
    const before = (who: string) => () => {
      n++;
      for (const entry of readdirSync(registry.storageDir)) {
        rmSync(join(registry.storageDir, entry), { recursive: true, force: true });
      }
      if (who === 'docker') {
        try {
          execFileSync('docker', ['rmi', '-f', imageId], { stdio: 'ignore' });
        } catch {
          // not loaded yet
        }
      }
    };
    const median = (ms: Measurement[]): Measurement => {
      const sorted = [...ms].sort((x, y) => x.seconds - y.seconds);
      const m = sorted[Math.floor(sorted.length / 2)];
      if (!m) throw new Error('no samples');
      return { ...m, maxRssMb: Math.max(...ms.map((x) => x.maxRssMb)) };
    };
    const oursRuns: Measurement[] = [];
    const dockerRuns: Measurement[] = [];
    const skopeoRuns: Measurement[] = [];
    // Interleaved, one run each per round, each to a fresh repository on a wiped registry.
    for (let i = 0; i < runs; i++) {
      before('ours')();
      oursRuns.push(
        timeCommand('ours (@talos-kmod/oci push)', ['node', script, tarball, dest('ours')], {
          runs: 1,
        }),
      );
      before('docker')();
      const d = dest('docker');
      dockerRuns.push(
        timeCommand(
          'docker load + tag + push (seed)',
          `docker load -q -i ${tarball} >/dev/null && docker tag ${imageId} ${d} && docker push -q ${d} >/dev/null`,
          { runs: 1 },
        ),
      );
      before('skopeo')();
      skopeoRuns.push(
        timeCommand(
          'skopeo copy docker-archive:',
          [
            'skopeo',
            'copy',
            '-q',
            '--dest-tls-verify=false',
            `docker-archive:${tarball}`,
            `docker://${dest('skopeo')}`,
          ],
          { runs: 1 },
        ),
      );
    }
    report('installer-push', median(oursRuns), [median(dockerRuns), median(skopeoRuns)], {
      tarballMb: Number(sizeMb.toFixed(1)),
      runs,
      targets: { docker: '>= 3x ours', skopeo: '>= 1x ours' },
    });
  } finally {
    rmSync(checkout, { recursive: true, force: true });
    await registry.stop();
  }
}

await main();
