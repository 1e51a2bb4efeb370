/**
 * Inputs for the oci benchmarks, generated (never committed) under bench/.work/: a Docker image
 * FROM scratch with large random (incompressible) layers, built with the real engine and saved
 * with `docker save`; and the CLI bundled to one file so runs start like `talos-kmod`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleOne } from '../../scripts/bundle';
import { docker, ensureDocker } from '../../test/support/docker';

const root = join(import.meta.dirname, '..', '..');

/** Bundles the CLI into `dir` (as the repository builds it) and returns the script path. */
export async function bundleCli(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'talos-kmod.cjs');
  await bundleOne(join(root, 'packages', 'cli', 'src', 'main.ts'), outfile);
  return outfile;
}

/**
 * Builds (once per work dir) an image whose layers are `layers` files of `mb` MiB random bytes
 * each (plus, when `smallFiles` > 0, a layer of that many 4 KiB random files), saves it, and
 * returns the archive path and the image tag.
 */
export async function randomLayerImage(
  dir: string,
  name: string,
  spec: { layers: number; mb: number; smallFiles?: number },
): Promise<{ archive: string; tag: string }> {
  const archive = join(dir, `${name}.tar`);
  const tag = `talos-kmod-bench/${name}:latest`;
  if (existsSync(archive)) return { archive, tag };
  await ensureDocker();
  const ctx = join(dir, `${name}-context`);
  mkdirSync(ctx, { recursive: true });
  const lines = ['FROM scratch'];
  for (let i = 0; i < spec.layers; i++) {
    writeFileSync(join(ctx, `blob-${i}`), randomBytes(spec.mb * 1024 * 1024));
    lines.push(`COPY blob-${i} /data/blob-${i}`);
  }
  if (spec.smallFiles) {
    for (let d = 0; d * 1000 < spec.smallFiles; d++) {
      const sub = join(ctx, 'small', `d${d}`);
      mkdirSync(sub, { recursive: true });
      for (let f = d * 1000; f < Math.min(spec.smallFiles, (d + 1) * 1000); f++) {
        writeFileSync(join(sub, `f${f}`), randomBytes(4096));
      }
    }
    lines.push('COPY small /small');
  }
  writeFileSync(join(ctx, 'Dockerfile'), `${lines.join('\n')}\n`);
  docker(['build', '--no-cache', '-q', '-t', tag, ctx]);
  docker(['save', '-o', archive, tag]);
  return { archive, tag };
}
