/**
 * An extension-shaped OCI layout built from a directory of kernel modules: one gzip layer
 * (`gzip -n -6` of a sorted, root-owned tar) holding `manifest.yaml` and the modules under
 * `rootfs/usr/lib/modules/<release>/`, as a Talos system extension image holds them.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const MAX_BUFFER = 1024 * 1024 * 1024;

/** Where the layout went and its layer's digest (to fetch the blob for a floor). */
export interface ExtensionLayout {
  readonly dir: string;
  readonly layer: string;
}

/**
 * Writes `<work>/layout` (tagged `bench`) from the modules in `modulesDir`; `name` is the
 * extension's metadata name. `<work>/stage` is used and removed.
 */
export function extensionLayout(
  work: string,
  modulesDir: string,
  release: string,
  name: string,
): ExtensionLayout {
  const dir = join(work, 'layout');
  const stage = join(work, 'stage');
  for (const d of [dir, stage]) rmSync(d, { recursive: true, force: true });
  mkdirSync(join(stage, 'rootfs', 'usr', 'lib', 'modules'), { recursive: true });
  execFileSync('cp', ['-a', modulesDir, join(stage, 'rootfs', 'usr', 'lib', 'modules', release)]);
  writeFileSync(
    join(stage, 'manifest.yaml'),
    `version: v1alpha1\nmetadata:\n  name: ${name}\n  version: 1.0.0\n  author: bench\n  description: Debian kernel modules\n  compatibility:\n    talos:\n      version: ">= v1.10.0"\n`,
  );
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const tarArgs = ['-C', stage, '--sort=name', '--owner=0', '--group=0', '--numeric-owner'];
  const tar = execFileSync('tar', [...tarArgs, '-cf', '-', 'manifest.yaml', 'rootfs'], {
    maxBuffer: MAX_BUFFER,
  });
  const gz = execFileSync('gzip', ['-n', '-6'], { input: tar, maxBuffer: MAX_BUFFER });
  const put = (b: Buffer): { digest: string; size: number } => {
    const digest = sha256(b);
    writeFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)), b);
    return { digest, size: b.length };
  };
  const layer = put(gz);
  const config = put(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: {},
        rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
      }),
    ),
  );
  const manifest = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
      }),
    ),
  );
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: { 'org.opencontainers.image.ref.name': 'bench' },
        },
      ],
    }),
  );
  rmSync(stage, { recursive: true, force: true });
  console.log(
    `layer: ${(tar.length / 1048576).toFixed(1)} MiB tar, ${(gz.length / 1048576).toFixed(1)} MiB gzip`,
  );
  return { dir, layer: layer.digest };
}
