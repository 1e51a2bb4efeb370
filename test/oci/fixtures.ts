/**
 * Image fixtures for the oci end-to-end tests, made here rather than committed:
 * - a small image built with the real Docker engine (`DOCKER_BUILDKIT=0 docker build`, FROM
 *   scratch with the static busybox), saved with `docker save`, cached on disk per content hash;
 * - other formats of it made with skopeo (OCI archive, OCI layout, zstd layers);
 * - hand-written OCI layouts with chosen tar entries (opaque dirs, hard links, modes) and
 *   compression (gzip by zlib, zstd by the zstd tool, none), for the file-view tests.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { docker, ensureDocker } from '../support/docker';

const cacheRoot = join(tmpdir(), 'talos-kmod-oci-fixtures');

/** Lines of the fixture Dockerfile: later layers delete files (whiteouts) and replace a dir. */
const dockerfile = [
  'FROM scratch',
  'COPY busybox /bin/busybox',
  'RUN ["/bin/busybox", "sh", "-c", "/bin/busybox mkdir -p /etc/app /opt/data/sub /usr/lib/modules/6.1.0/extra && echo one > /etc/app/keep && echo two > /etc/app/gone && echo three > /opt/data/sub/f && echo ko > /usr/lib/modules/6.1.0/extra/a.ko && /bin/busybox ln -s keep /etc/app/link && /bin/busybox chmod 4755 /etc/app/keep"]',
  'RUN ["/bin/busybox", "sh", "-c", "/bin/busybox rm /etc/app/gone && /bin/busybox rm -r /opt/data && /bin/busybox mkdir -p /opt/data && echo new > /opt/data/n"]',
  'LABEL org.example.fixture="oci-e2e"',
].join('\n');

/** `docker save` of the fixture image; built once and cached by content. */
export async function dockerSaveArchive(): Promise<{ path: string; tag: string }> {
  const hash = createHash('sha256').update(dockerfile).digest('hex').slice(0, 16);
  const dir = join(cacheRoot, hash);
  const path = join(dir, 'docker-save.tar');
  const tag = `talos-kmod-test/oci-fixture:${hash}`;
  if (existsSync(path)) return { path, tag };
  await ensureDocker();
  mkdirSync(dir, { recursive: true });
  const ctx = mkdtempSync(join(tmpdir(), 'oci-fixture-ctx-'));
  try {
    copyFileSync('/bin/busybox', join(ctx, 'busybox'));
    writeFileSync(join(ctx, 'Dockerfile'), `${dockerfile}\n`);
    docker(['build', '--no-cache', '-q', '-t', tag, ctx]);
    const tmp = `${path}.${process.pid}.tmp`;
    docker(['save', '-o', tmp, tag]);
    renameSync(tmp, path);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  return { path, tag };
}

/** Runs skopeo and returns stdout. */
export function skopeo(args: readonly string[]): string {
  return execFileSync('skopeo', [...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** The digest skopeo reports for an image (`skopeo inspect`). */
export function skopeoDigest(spec: string): string {
  const args = spec.startsWith('docker://')
    ? ['inspect', '--tls-verify=false', spec]
    : ['inspect', spec];
  return (JSON.parse(skopeo(args)) as { Digest: string }).Digest;
}

/** Converts the docker archive with skopeo (cached): `oci-archive`, `oci` layout, or `oci` with zstd layers. */
export async function convertedFixture(kind: 'oci-archive' | 'oci' | 'oci-zstd'): Promise<string> {
  const { path } = await dockerSaveArchive();
  const out = join(path, '..', kind === 'oci-archive' ? 'image.oci.tar' : kind);
  if (existsSync(out)) return out;
  const tmp = `${out}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const dest = kind === 'oci-archive' ? `oci-archive:${tmp}` : `oci:${tmp}:fixture`;
  const extra = kind === 'oci-zstd' ? ['--dest-compress-format', 'zstd'] : [];
  skopeo(['copy', '-q', ...extra, `docker-archive:${path}`, dest]);
  renameSync(tmp, out);
  return out;
}

/** One tar entry of a hand-made layer. */
export interface EntrySpec {
  path: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  content?: string | Buffer;
  mode?: number;
  linkname?: string;
}

/** A hand-made layer. */
export interface LayerSpec {
  entries: EntrySpec[];
  compression: 'gzip' | 'zstd' | 'none';
}

function tarOf(entries: readonly EntrySpec[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = pack();
    const chunks: Buffer[] = [];
    p.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    p.on('end', () => resolve(Buffer.concat(chunks)));
    p.on('error', reject);
    for (const e of entries) {
      const type = e.type ?? 'file';
      const header = {
        name: e.path,
        type,
        mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
        ...(e.linkname ? { linkname: e.linkname } : {}),
        mtime: new Date(0),
      };
      if (type === 'file') p.entry(header, e.content ?? '');
      else p.entry(header);
    }
    p.finalize();
  });
}

function compress(data: Buffer, how: LayerSpec['compression']): Buffer {
  if (how === 'gzip') return gzipSync(data);
  if (how === 'zstd')
    return execFileSync('zstd', ['-q', '-c'], { input: data, maxBuffer: 1 << 30 });
  return data;
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const layerType = {
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  none: 'application/vnd.oci.image.layer.v1.tar',
};

/** One image of a hand-made layout. */
export interface ImageSpec {
  layers: LayerSpec[];
  architecture?: string;
  variant?: string;
}

/**
 * Writes an OCI layout with `images`: one image → index.json points at its manifest; several →
 * index.json points at an image index with their platforms. Returns the directory and digests.
 */
export async function writeLayout(
  dir: string,
  images: readonly ImageSpec[],
): Promise<{ dir: string; manifests: string[]; index?: string }> {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (b: Buffer) => {
    const d = sha(b);
    writeFileSync(join(dir, 'blobs', 'sha256', d.slice(7)), b);
    return { digest: d, size: b.length };
  };
  const descriptors = [];
  for (const image of images) {
    const layers = [];
    const diffIds = [];
    for (const l of image.layers) {
      const plain = await tarOf(l.entries);
      diffIds.push(sha(plain));
      layers.push({ mediaType: layerType[l.compression], ...put(compress(plain, l.compression)) });
    }
    const architecture = image.architecture ?? 'amd64';
    const config = Buffer.from(
      JSON.stringify({
        architecture,
        os: 'linux',
        ...(image.variant ? { variant: image.variant } : {}),
        config: {},
        rootfs: { type: 'layers', diff_ids: diffIds },
      }),
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...put(config) },
        layers,
      }),
    );
    descriptors.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...put(manifest),
      platform: { os: 'linux', architecture, ...(image.variant ? { variant: image.variant } : {}) },
    });
  }
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const manifests = descriptors.map((d) => d.digest);
  if (descriptors.length === 1) {
    writeFileSync(
      join(dir, 'index.json'),
      JSON.stringify({ schemaVersion: 2, manifests: descriptors }),
    );
    return { dir, manifests };
  }
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: descriptors,
    }),
  );
  const indexDescriptor = { mediaType: 'application/vnd.oci.image.index.v1+json', ...put(index) };
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [indexDescriptor] }),
  );
  return { dir, manifests, index: indexDescriptor.digest };
}

/** A fresh temporary directory. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `oci-e2e-${prefix}-`));
}
