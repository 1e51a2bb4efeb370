/**
 * What `talos-kmod push` gzips is read back by the real clients: a `docker save` archive (made
 * by the Docker engine) with one layer of compressible and random files, several MiB so that it
 * becomes many gzip members, stored and deflated, is pushed by the bundled CLI (the worker
 * program inlined as in every shipped bundle) to a loopback registry, then pulled back by skopeo
 * (Go's gzip reader) and by the Docker engine (`docker pull`, which checks every layer against
 * the config's diff_ids), and both give back the layer byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { bundleOne } from '../../scripts/bundle';
import { docker, ensureDocker } from '../support/docker';
import { startRegistry, type TestRegistry } from '../support/registry';
import { skopeo, tempDir } from './fixtures';

const root = join(import.meta.dirname, '..', '..');
const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

let registry: TestRegistry;
let dir: string;
let archive: string;
let cli: string;
const tag = `talos-kmod-test/roundtrip:${process.pid}`;

/** The layers of a `docker save` or `skopeo copy … docker-archive:` tarball, in order. */
function archiveLayers(path: string): Buffer[] {
  const out = tempDir('layers');
  execFileSync('tar', ['-xf', path, '-C', out]);
  const [entry] = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
    Layers: string[];
  }[];
  return (entry?.Layers ?? []).map((l) => readFileSync(join(out, l)));
}

/** Walks a gzip file member by member (each header, raw deflate, trailer); returns the count. */
function gzipMembers(gz: Buffer): number {
  let members = 0;
  for (let at = 0; at < gz.length; members++) {
    expect([gz[at], gz[at + 1], gz[at + 2]]).toEqual([0x1f, 0x8b, 8]);
    const { engine } = inflateRawSync(gz.subarray(at + 10), { info: true }) as unknown as {
      engine: { bytesWritten: number };
    };
    at += 10 + engine.bytesWritten + 8;
  }
  return members;
}

beforeAll(async () => {
  await ensureDocker();
  registry = await startRegistry();
  dir = tempDir('roundtrip');
  const ctx = join(dir, 'context');
  mkdirSync(join(ctx, 'data'), { recursive: true });
  const text = Array.from({ length: 120_000 }, (_, i) => `symbol_${i % 977} T ${i * 7}\n`).join('');
  writeFileSync(join(ctx, 'data', 'symbols.txt'), text); // ~2.5 MB, deflated
  writeFileSync(join(ctx, 'data', 'random.bin'), randomBytes(2 * 1024 * 1024 + 4321)); // stored
  writeFileSync(join(ctx, 'data', 'small'), 'x');
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY data /data\n');
  docker(['build', '--no-cache', '-q', '-t', tag, ctx]);
  archive = join(dir, 'image.tar');
  docker(['save', '-o', archive, tag]);
  docker(['rmi', '-f', tag]);
  cli = join(dir, 'talos-kmod.cjs');
  await bundleOne(join(root, 'packages', 'cli', 'src', 'main.ts'), cli);
}, 300_000);

afterAll(async () => {
  await registry?.stop();
});

describe('a layer gzipped by talos-kmod push', () => {
  let pinned: string;
  /** The pinned reference without its tag: skopeo and docker take a tag or a digest. */
  let byDigest: string;
  let original: Buffer;

  beforeAll(() => {
    [original = Buffer.alloc(0)] = archiveLayers(archive);
    const out = execFileSync(
      process.execPath,
      [cli, 'push', `docker-archive:${archive}`, `${registry.host}/roundtrip/app:v1`],
      {
        encoding: 'utf8',
        env: { ...process.env, XDG_CACHE_HOME: tempDir('xdg') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    pinned = out.trim().split('\n').at(-1) ?? '';
    byDigest = pinned.replace(/:v1@/, '@');
  }, 120_000);

  it('is pushed as many gzip members, each read by zlib', () => {
    expect(pinned).toMatch(/^127\.0\.0\.1:\d+\/roundtrip\/app:v1@sha256:[a-f0-9]{64}$/);
    const blobs = join(tempDir('blobs'), 'dir');
    skopeo(['copy', '-q', '--src-tls-verify=false', `docker://${byDigest}`, `dir:${blobs}`]);
    const manifest = JSON.parse(readFileSync(join(blobs, 'manifest.json'), 'utf8')) as {
      layers: { digest: string; mediaType: string }[];
    };
    const [layer] = manifest.layers;
    expect(layer?.mediaType).toBe('application/vnd.docker.image.rootfs.diff.tar.gzip');
    const gz = readFileSync(join(blobs, (layer?.digest ?? '').replace('sha256:', '')));
    // 4.6 MB of files: five 1 MiB pieces, each its own member
    expect(gzipMembers(gz)).toBe(Math.ceil(original.length / (1024 * 1024)));
    expect(gz.length).toBeLessThan(original.length * 0.7);
  });

  it('is pulled back by skopeo to the same bytes', () => {
    const back = join(dir, 'skopeo-back.tar');
    skopeo([
      'copy',
      '-q',
      '--src-tls-verify=false',
      `docker://${byDigest}`,
      `docker-archive:${back}:${tag}`,
    ]);
    const [layer] = archiveLayers(back);
    expect(layer && sha256(layer)).toBe(sha256(original));
  });

  it('is pulled by the Docker engine, which checks it against the diff_ids, to the same bytes', () => {
    docker(['pull', '-q', byDigest]);
    try {
      const back = join(dir, 'docker-back.tar');
      docker(['save', '-o', back, byDigest]);
      const [layer] = archiveLayers(back);
      expect(layer && sha256(layer)).toBe(sha256(original));
    } finally {
      docker(['rmi', '-f', byDigest]);
    }
  });
});
