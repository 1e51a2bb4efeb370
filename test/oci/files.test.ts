/**
 * walkImageFiles (the merged file view) on hand-made layouts with chosen tar entries, on a
 * Docker-built image (with `docker export` of a container as the oracle), and multi-platform
 * indexes (pushIndex, OCI layouts with an index).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '@talos-kmod/common';
import {
  formatPlatform,
  openImage,
  parsePlatform,
  push,
  pushIndex,
  walkImageFiles,
  type ImageFile,
  parseImageSpec,
  parseReference,
} from '@talos-kmod/oci';
import { createHash, randomBytes } from 'node:crypto';
import { layerPieces } from '../../packages/oci/src/buffers/piece-pool';
import { docker } from '../support/docker';
import { startRegistry, type TestRegistry } from '../support/registry';
import { dockerSaveArchive, skopeo, tempDir, writeLayout, type ImageSpec } from './fixtures';

let work: string;
let registry: TestRegistry;

beforeAll(async () => {
  work = tempDir('files');
  registry = await startRegistry();
});

afterAll(async () => {
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function walk(spec: string, want?: (f: ImageFile) => boolean) {
  const source = await openImage(parseImageSpec(spec));
  try {
    const files = new Map<string, { file: ImageFile; content?: string }>();
    await walkImageFiles(await source.image(), {
      ...(want ? { want } : {}),
      onFile: (file, content) => {
        expect(files.has(file.path)).toBe(false);
        files.set(file.path, { file, ...(content ? { content: content.toString() } : {}) });
      },
    });
    return files;
  } finally {
    await source.close();
  }
}

const layered: ImageSpec = {
  layers: [
    {
      compression: 'gzip',
      entries: [
        { path: 'etc/', type: 'directory' },
        { path: 'etc/keep', content: 'bottom keep' },
        { path: 'etc/deleted', content: 'deleted later' },
        { path: 'opt/', type: 'directory' },
        { path: 'opt/replaced/', type: 'directory' },
        { path: 'opt/replaced/old-a', content: 'a' },
        { path: 'opt/replaced/old-b', content: 'b' },
        { path: 'var/lib/gone/', type: 'directory' },
        { path: 'var/lib/gone/inside', content: 'x' },
        { path: 'bin/tool', content: 'bottom tool', mode: 0o4755 },
        { path: 'lib', type: 'directory' },
        { path: 'lib/under-dir', content: 'hidden by symlink above' },
      ],
    },
    {
      compression: 'zstd',
      entries: [
        { path: 'etc/.wh.deleted' },
        { path: 'opt/replaced/', type: 'directory', mode: 0o700 },
        { path: 'opt/replaced/.wh..wh..opq' },
        { path: 'opt/replaced/new', content: 'new' },
        { path: 'var/lib/.wh.gone' },
        { path: 'lib', type: 'symlink', linkname: 'usr/lib' },
        { path: 'bin/tool-link', type: 'link', linkname: 'bin/tool' },
      ],
    },
    {
      compression: 'none',
      entries: [
        { path: './etc/keep', content: 'top keep', mode: 0o600 },
        { path: 'usr/lib/modules/6.1.0/extra/a.ko', content: 'module bytes' },
      ],
    },
  ],
};

describe('walkImageFiles on a hand-made layered image (gzip, zstd, uncompressed layers)', () => {
  let files: Awaited<ReturnType<typeof walk>>;
  beforeAll(async () => {
    const { dir } = await writeLayout(join(work, 'layered'), [layered]);
    files = await walk(`oci:${dir}`, (f) => f.path.endsWith('.ko') || f.path === 'etc/keep');
  });

  it('shows the top-most version of a file, with its content and mode', () => {
    expect(files.get('etc/keep')).toMatchObject({
      content: 'top keep',
      file: { type: 'file', mode: 0o600, size: 8 },
    });
    expect(files.get('usr/lib/modules/6.1.0/extra/a.ko')?.content).toBe('module bytes');
  });

  it('applies whiteouts to files and directories and never reports the markers', () => {
    expect(files.has('etc/deleted')).toBe(false);
    expect(files.has('var/lib/gone')).toBe(false);
    expect(files.has('var/lib/gone/inside')).toBe(false);
    expect([...files.keys()].some((p) => p.includes('.wh.'))).toBe(false);
  });

  it('hides the lower content of an opaque directory but keeps the new content', () => {
    expect(files.has('opt/replaced/old-a')).toBe(false);
    expect(files.has('opt/replaced/old-b')).toBe(false);
    expect(files.get('opt/replaced/new')?.file.type).toBe('file');
    expect(files.get('opt/replaced')?.file).toMatchObject({ type: 'directory', mode: 0o700 });
  });

  it('lets a symlink in an upper layer replace a lower directory', () => {
    expect(files.get('lib')?.file).toMatchObject({ type: 'symlink', linkTarget: 'usr/lib' });
    expect(files.has('lib/under-dir')).toBe(false);
  });

  it('reports hard links with their target and setuid bits', () => {
    expect(files.get('bin/tool-link')?.file).toMatchObject({
      type: 'hardlink',
      linkTarget: 'bin/tool',
    });
    expect(files.get('bin/tool')?.file.mode).toBe(0o4755);
    expect(files.get('bin/tool')?.content).toBeUndefined();
  });

  it('refuses to read a wanted file above maxFileSize', async () => {
    const { dir } = await writeLayout(join(work, 'layered-limit'), [layered]);
    const source = await openImage(parseImageSpec(`oci:${dir}`));
    try {
      const e = await walkImageFiles(await source.image(), {
        want: (f) => f.path === 'etc/keep',
        onFile: () => undefined,
        maxFileSize: 4,
      }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UserError);
      expect((e as Error).message).toContain('etc/keep');
    } finally {
      await source.close();
    }
  });
});

describe('walkImageFiles from a plain-HTTP registry', () => {
  it('reads 32 MiB of gzip layers through a few reused pieces, with every byte intact', async () => {
    const blobs = Array.from({ length: 4 }, () => randomBytes(8 * 1024 * 1024));
    const spec: ImageSpec = {
      layers: blobs.map((content, i) => ({
        compression: 'gzip' as const,
        entries: [{ path: `data/blob-${i}`, content }],
      })),
    };
    const { dir } = await writeLayout(join(work, 'big'), [spec]);
    const pushed = await push(
      parseImageSpec(`oci:${dir}`),
      parseReference(`${registry.host}/files/big:v1`),
    );
    const before = layerPieces.allocated;
    const hashes = new Map<string, string>();
    const source = await openImage({ transport: 'registry', reference: pushed.reference });
    try {
      await walkImageFiles(await source.image(), {
        want: () => true,
        onFile: (file, content) => {
          if (content) hashes.set(file.path, createHash('sha256').update(content).digest('hex'));
        },
      });
    } finally {
      await source.close();
    }
    expect([...hashes.keys()].sort()).toEqual(blobs.map((_, i) => `data/blob-${i}`));
    blobs.forEach((b, i) =>
      expect(hashes.get(`data/blob-${i}`)).toBe(createHash('sha256').update(b).digest('hex')),
    );
    // 32 MiB arrived in 1 MiB pieces; given back once inflated, far fewer were ever made
    expect(layerPieces.allocated - before).toBeLessThan(16);
  });
});

describe('walkImageFiles on an image built by Docker', () => {
  it('lists what `docker export` of a container has (whiteouts from `rm` applied)', async () => {
    const { path, tag } = await dockerSaveArchive();
    const id = docker(['create', tag, '/bin/busybox']).trim();
    let exported: string[];
    try {
      const tar = execFileSync('sh', ['-c', `docker export ${id} | tar -t`], {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
      exported = tar
        .split('\n')
        .map((p) => p.replace(/\/$/, ''))
        .filter(Boolean);
    } finally {
      docker(['rm', id]);
    }
    const ours = [...(await walk(`docker-archive:${path}`)).keys()];
    const mine = (paths: string[]) =>
      paths.filter((p) => /^(bin|etc\/app|opt|usr)(\/|$)/.test(p)).sort();
    expect(mine(ours)).toEqual(mine(exported));
    expect(ours).toContain('opt/data/n');
    expect(ours).not.toContain('opt/data/sub/f');
  }, 120_000);
});

describe('multi-platform images', () => {
  const amd64: ImageSpec = {
    architecture: 'amd64',
    layers: [{ compression: 'gzip', entries: [{ path: 'arch', content: 'amd64' }] }],
  };
  const arm64: ImageSpec = {
    architecture: 'arm64',
    variant: 'v8',
    layers: [{ compression: 'gzip', entries: [{ path: 'arch', content: 'arm64' }] }],
  };

  it('pushIndex writes an OCI index from pushed images that skopeo reads per platform', async () => {
    const a = await writeLayout(join(work, 'amd64'), [amd64]);
    const b = await writeLayout(join(work, 'arm64'), [arm64]);
    const pa = await push(
      parseImageSpec(`oci:${a.dir}`),
      parseReference(`${registry.host}/multi/app:amd64`),
    );
    const pb = await push(
      parseImageSpec(`oci:${b.dir}`),
      parseReference(`${registry.host}/multi/app:arm64`),
    );
    const r = await pushIndex(parseReference(`${registry.host}/multi/app:v1`), [
      { reference: pa.reference, platform: parsePlatform('linux/amd64') },
      { reference: pb.reference, platform: parsePlatform('linux/arm64/v8') },
    ]);
    expect(r.reference.toString()).toBe(`${registry.host}/multi/app:v1@${r.digest}`);
    const raw = JSON.parse(
      skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/multi/app:v1`]),
    ) as {
      mediaType: string;
      manifests: { digest: string }[];
    };
    expect(raw.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(raw.manifests.map((m) => m.digest)).toEqual([pa.digest, pb.digest]);
    const arm = JSON.parse(
      skopeo([
        'inspect',
        '--tls-verify=false',
        '--override-arch',
        'arm64',
        `docker://${registry.host}/multi/app:v1`,
      ]),
    ) as { Digest: string; Architecture: string };
    expect(arm.Architecture).toBe('arm64');

    const source = await openImage(parseImageSpec(`${registry.host}/multi/app:v1`));
    try {
      expect((await source.platforms()).map(formatPlatform)).toEqual([
        'linux/amd64',
        'linux/arm64/v8',
      ]);
      const e = await source.image().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UserError);
      expect((e as Error).message).toContain('linux/amd64, linux/arm64/v8');
      expect((await source.image(parsePlatform('linux/arm64'))).digest).toBe(pb.digest);
      const missing = await source.image(parsePlatform('linux/s390x')).catch((x: unknown) => x);
      expect((missing as Error).message).toContain('no image for linux/s390x');
    } finally {
      await source.close();
    }
  });

  it('reads and pushes an OCI layout holding an index, keeping every digest', async () => {
    const layout = await writeLayout(join(work, 'both'), [amd64, arm64]);
    const source = await openImage(parseImageSpec(`oci:${layout.dir}`));
    try {
      expect((await source.platforms()).map(formatPlatform)).toEqual([
        'linux/amd64',
        'linux/arm64/v8',
      ]);
      const arm = await source.image(parsePlatform('linux/arm64'));
      const files = new Map<string, string>();
      await walkImageFiles(arm, {
        want: () => true,
        onFile: (f, c) => void files.set(f.path, c?.toString() ?? ''),
      });
      expect(files.get('arch')).toBe('arm64');
    } finally {
      await source.close();
    }
    const r = await push(
      parseImageSpec(`oci:${layout.dir}`),
      parseReference(`${registry.host}/multi/layout:v1`),
    );
    expect(r.digest).toBe(layout.index);
    const raw = JSON.parse(
      skopeo([
        'inspect',
        '--raw',
        '--tls-verify=false',
        `docker://${registry.host}/multi/layout:v1`,
      ]),
    ) as {
      manifests: { digest: string }[];
    };
    expect(raw.manifests.map((m) => m.digest)).toEqual(layout.manifests);
    const one = await push(
      parseImageSpec(`oci:${layout.dir}`),
      parseReference(`${registry.host}/multi/layout:amd64-only`),
      {
        platform: parsePlatform('linux/amd64'),
      },
    );
    expect(one.digest).toBe(layout.manifests[0]);
  });
});
