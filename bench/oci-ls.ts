/**
 * Listing the files of a ≥ 100 MB gzip-layered image from a loopback registry: `talos-kmod ls`
 * (download, verify, gunzip, read the tar headers of every layer) against the floor, downloading
 * each layer with curl and `gzip -dc > /dev/null`. The image has 3 × 30 MiB random layers and a
 * layer of 8,000 small files. Target: within 1.3× of the floor. Also timed: a minimal bundle that
 * only opens the image and walks it (the library without the CLI's start-up). `BENCH_RUNS`
 * (default 3).
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { inlineWorkerPrograms } from '../scripts/bundle';
import { join } from 'node:path';
import { createRegistryClient, parseImageSpec, parseReference, push } from '@talos-kmod/oci';
import { report, timeCommand } from './_lib/measure';
import { bundleCli, randomLayerImage } from './_lib/oci-images';
import { startRegistry } from '../test/support/registry';

const work = join(import.meta.dirname, '.work', 'oci-ls');
const runs = Number(process.env.BENCH_RUNS ?? 3);

/** A bundle that only opens the image and walks it: the library's cost without CLI start-up. */
async function walkOnlyBundle(): Promise<string> {
  const entry = join(work, 'walk-only.ts');
  const outfile = join(work, 'walk-only.mjs');
  writeFileSync(
    entry,
    [
      "import { openImage, parseImageSpec, walkImageFiles } from '@talos-kmod/oci';",
      'const source = await openImage(parseImageSpec(process.argv[2] ?? ""));',
      'let n = 0;',
      'await walkImageFiles(await source.image(), { onFile: () => void n++ });',
      'await source.close();',
      'console.log(n);',
      '',
    ].join('\n'),
  );
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    tsconfig: join(import.meta.dirname, '..', 'tsconfig.json'),
    logLevel: 'warning',
    plugins: [inlineWorkerPrograms],
  });
  return outfile;
}

async function main(): Promise<void> {
  mkdirSync(work, { recursive: true });
  const cli = await bundleCli(work);
  const { archive } = await randomLayerImage(work, 'ls-120m', {
    layers: 3,
    mb: 30,
    smallFiles: 8000,
  });
  const registry = await startRegistry();
  try {
    const ref = `${registry.host}/bench/ls:v1`;
    const pushed = await push(parseImageSpec(`docker-archive:${archive}`), parseReference(ref));
    const client = createRegistryClient();
    const manifest = await client.getManifest(pushed.reference);
    await client.close();
    if (manifest.parsed.kind !== 'image') throw new Error('expected an image manifest');
    const layers = manifest.parsed.manifest.layers;
    const bytes = layers.reduce((n, l) => n + l.size, 0);
    console.log(
      `image: ${pushed.reference.toString()} (${layers.length} gzip layers, ${(bytes / 1e6).toFixed(0)} MB; archive ${(statSync(archive).size / 1e6).toFixed(0)} MB)`,
    );
    const floorScript = layers
      .map(
        (l) =>
          `curl -sf http://${registry.host}/v2/bench/ls/blobs/${l.digest} | gzip -dc > /dev/null`,
      )
      .join(' && ');
    const ours = timeCommand(
      'talos-kmod ls',
      `${process.execPath} ${cli} ls ${pushed.reference.toString()} > /dev/null`,
      { runs },
    );
    const floor = timeCommand('curl | gzip -dc (floor)', floorScript, { runs });
    const library = timeCommand(
      'walkImageFiles only (minimal bundle)',
      [process.execPath, await walkOnlyBundle(), pushed.reference.toString()],
      { runs },
    );
    report('oci-ls', ours, [floor, library], {
      compressedBytes: bytes,
      oursOverFloor: Number((ours.seconds / floor.seconds).toFixed(2)),
      targets: { within1_3xOfFloor: ours.seconds <= 1.3 * floor.seconds },
    });
  } finally {
    await registry.stop();
  }
}

await main();
