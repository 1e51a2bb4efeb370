/**
 * push/openImage/resolveDigest against a real registry (plain HTTP on loopback), with skopeo as
 * the oracle for digests and for reading back what we pushed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { UserError } from '@talos-kmod/common';
import {
  DigestMismatchError,
  RegistryError,
  createRegistryClient,
  openImage,
  parseReference,
  push,
  resolveDigest,
  walkImageFiles,
  parseImageSpec,
} from '@talos-kmod/oci';
import { startRegistry, type TestRegistry } from '../support/registry';
import { convertedFixture, dockerSaveArchive, skopeo, skopeoDigest, tempDir } from './fixtures';

let registry: TestRegistry;
let archive: string;

beforeAll(async () => {
  registry = await startRegistry();
  archive = (await dockerSaveArchive()).path;
}, 180_000);

afterAll(async () => {
  await registry?.stop();
});

async function fileList(spec: string): Promise<string[]> {
  const source = await openImage(parseImageSpec(spec));
  try {
    const paths: string[] = [];
    await walkImageFiles(await source.image(), {
      onFile: (f) => void paths.push(`${f.type} ${f.path}`),
    });
    return paths.sort();
  } finally {
    await source.close();
  }
}

describe('push of a docker save archive', () => {
  let first: Awaited<ReturnType<typeof push>>;
  const dest = () => `${registry.host}/e2e/fixture:v1`;

  const cache = join(tempDir('layer-cache'), 'compressed-layers.json');

  beforeAll(async () => {
    first = await push(parseImageSpec(`docker-archive:${archive}`), parseReference(dest()), {
      compressedLayerCache: cache,
    });
  }, 120_000);

  it('returns the pinned reference, tag kept, with the digest skopeo reads back', () => {
    expect(first.reference.toString()).toBe(`${registry.host}/e2e/fixture:v1@${first.digest}`);
    expect(skopeoDigest(`docker://${dest()}`)).toBe(first.digest);
    expect(first.uploadedBlobs).toBe(4); // config + 3 layers (COPY, RUN, RUN)
    expect(first.skippedBlobs).toBe(0);
  });

  it('gzips the uncompressed layers and keeps the config diff_ids', async () => {
    const raw = JSON.parse(
      skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${dest()}`]),
    ) as {
      mediaType: string;
      layers: { mediaType: string }[];
    };
    expect(raw.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(raw.layers.map((l) => l.mediaType)).toEqual(
      Array(3).fill('application/vnd.docker.image.rootfs.diff.tar.gzip'),
    );
    const config = JSON.parse(
      skopeo(['inspect', '--config', '--tls-verify=false', `docker://${dest()}`]),
    ) as { rootfs: { diff_ids: string[] } };
    const source = await openImage(parseImageSpec(`docker-archive:${archive}`));
    try {
      const image = await source.image();
      expect(config.rootfs.diff_ids).toEqual(image.layers.map((l) => l.digest));
      expect(image.layers.map((l) => l.mediaType)).toEqual(
        Array(3).fill('application/vnd.docker.image.rootfs.diff.tar'),
      );
    } finally {
      await source.close();
    }
  });

  it('uploads nothing the second time, remembering what each layer compressed to', async () => {
    const remembered = JSON.parse(readFileSync(cache, 'utf8')) as Record<
      string,
      { digest: string }
    >;
    const raw = JSON.parse(
      skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${dest()}`]),
    ) as { layers: { digest: string }[] };
    expect(
      Object.values(remembered)
        .map((v) => v.digest)
        .sort(),
    ).toEqual(raw.layers.map((l) => l.digest).sort());
    const again = await push(parseImageSpec(`docker-archive:${archive}`), parseReference(dest()), {
      compressedLayerCache: cache,
    });
    expect(again.digest).toBe(first.digest);
    expect(again.uploadedBlobs).toBe(0);
    expect(again.uploadedBytes).toBe(0);
    expect(again.skippedBlobs).toBe(4);
  });

  it('can be copied back by skopeo and shows the same files as the archive', async () => {
    const out = tempDir('copy-back');
    try {
      skopeo(['copy', '-q', '--src-tls-verify=false', `docker://${dest()}`, `oci:${out}:x`]);
      const fromRegistry = await fileList(dest());
      expect(fromRegistry).toEqual(await fileList(`docker-archive:${archive}`));
      expect(await fileList(`oci:${out}:x`)).toEqual(fromRegistry);
      expect(fromRegistry).toContain('file etc/app/keep');
      expect(fromRegistry).not.toContain('file etc/app/gone');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);

  it('resolves the tag to the same pinned reference', async () => {
    expect((await resolveDigest(parseReference(dest()))).toString()).toBe(
      first.reference.toString(),
    );
  });

  it('compresses to the same digest without a cache', async () => {
    const r = await push(
      parseImageSpec(`docker-archive:${archive}`),
      parseReference(`${registry.host}/e2e/no-cache:v1`),
      {
        compressedLayerCache: false,
      },
    );
    expect(r.digest).toBe(first.digest);
    expect(r.uploadedBlobs).toBe(4);
  });

  it('mounts blobs instead of uploading when pushing to another repository of the registry', async () => {
    const r = await push(parseImageSpec(dest()), parseReference(`${registry.host}/e2e/copy:v1`));
    expect(r.digest).toBe(first.digest);
    expect(r.uploadedBlobs).toBe(0);
    expect(r.mountedBlobs).toBe(4);
  });
});

describe('docker archive variants', () => {
  it('reads a gzip-compressed archive and picks the image by its RepoTag', async () => {
    const { tag } = await dockerSaveArchive();
    const dir = tempDir('gz-archive');
    try {
      const gz = join(dir, 'image.tar.gz');
      writeFileSync(gz, gzipSync(readFileSync(archive)));
      const plain = await push(
        parseImageSpec(`docker-archive:${archive}`),
        parseReference(`${registry.host}/e2e/variants:plain`),
      );
      const r = await push(
        parseImageSpec(`docker-archive:${gz}:${tag}`),
        parseReference(`${registry.host}/e2e/variants:gz`),
      );
      expect(r.digest).toBe(plain.digest);
      const e = await openImage(
        parseImageSpec(`docker-archive:${gz}:example.com/not/there:v1`),
      ).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UserError);
      expect((e as Error).message).toContain(
        `has no image 'example.com/not/there:v1'; it has: ${tag}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('push of OCI sources', () => {
  it('pushes an OCI archive made by skopeo, keeping its manifest digest', async () => {
    const path = await convertedFixture('oci-archive');
    const expected = skopeoDigest(`oci-archive:${path}`);
    const r = await push(
      parseImageSpec(`oci-archive:${path}`),
      parseReference(`${registry.host}/e2e/oci-archive:v1`),
    );
    expect(r.digest).toBe(expected);
    expect(skopeoDigest(`docker://${registry.host}/e2e/oci-archive:v1`)).toBe(expected);
  }, 60_000);

  it('pushes an OCI layout chosen by its ref name', async () => {
    const dir = await convertedFixture('oci');
    const expected = skopeoDigest(`oci:${dir}:fixture`);
    const r = await push(
      parseImageSpec(`oci:${dir}:fixture`),
      parseReference(`${registry.host}/e2e/oci-layout:v1`),
    );
    expect(r.digest).toBe(expected);
    expect(skopeoDigest(`docker://${registry.host}/e2e/oci-layout:v1`)).toBe(expected);
  }, 60_000);

  it('pushes a go-containerregistry style tarball (gzip layers named by digest) as is', async () => {
    const layout = await convertedFixture('oci');
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
      manifests: { digest: string }[];
    };
    const manifestDigest = index.manifests[0]?.digest ?? '';
    const blob = (d: string) => join(layout, 'blobs', 'sha256', d.slice(7));
    const manifest = JSON.parse(readFileSync(blob(manifestDigest), 'utf8')) as {
      config: { digest: string };
      layers: { digest: string }[];
    };
    const dir = tempDir('ggcr');
    try {
      const { execFileSync } = await import('node:child_process');
      const files = [
        `sha256:${manifest.config.digest.slice(7)}`,
        ...manifest.layers.map((l) => `${l.digest.slice(7)}.tar.gz`),
      ];
      writeFileSync(join(dir, files[0] ?? ''), readFileSync(blob(manifest.config.digest)));
      manifest.layers.forEach((l, i) =>
        writeFileSync(join(dir, files[i + 1] ?? ''), readFileSync(blob(l.digest))),
      );
      writeFileSync(
        join(dir, 'manifest.json'),
        JSON.stringify([
          { Config: files[0], RepoTags: ['example.com/installer:v1'], Layers: files.slice(1) },
        ]),
      );
      execFileSync('tar', [
        '-cf',
        join(dir, 'installer.tar'),
        '-C',
        dir,
        'manifest.json',
        ...files,
      ]);
      const r = await push(
        parseImageSpec(`docker-archive:${join(dir, 'installer.tar')}`),
        parseReference(`${registry.host}/e2e/oci-layout:ggcr`),
      );
      const raw = JSON.parse(
        skopeo([
          'inspect',
          '--raw',
          '--tls-verify=false',
          `docker://${registry.host}/e2e/oci-layout:ggcr`,
        ]),
      ) as { layers: { digest: string }[] };
      expect(raw.layers.map((l) => l.digest)).toEqual(manifest.layers.map((l) => l.digest));
      expect(r.uploadedBlobs).toBe(0); // the OCI layout pushed the same blobs to this repository
      expect(await fileList(`docker-archive:${join(dir, 'installer.tar')}`)).toEqual(
        await fileList(`docker-archive:${archive}`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('reads zstd layers written by skopeo', async () => {
    const dir = await convertedFixture('oci-zstd');
    const source = await openImage(parseImageSpec(`oci:${dir}:fixture`));
    try {
      const image = await source.image();
      expect(image.layers.every((l) => l.mediaType.endsWith('+zstd'))).toBe(true);
    } finally {
      await source.close();
    }
    expect(await fileList(`oci:${dir}:fixture`)).toEqual(
      await fileList(`docker-archive:${archive}`),
    );
    const r = await push(
      parseImageSpec(`oci:${dir}:fixture`),
      parseReference(`${registry.host}/e2e/zstd:v1`),
    );
    expect(skopeoDigest(`docker://${registry.host}/e2e/zstd:v1`)).toBe(r.digest);
  }, 60_000);
});

describe('errors that say what to do', () => {
  it('names the tag that does not exist', async () => {
    await push(
      parseImageSpec(`docker-archive:${archive}`),
      parseReference(`${registry.host}/e2e/errors:present`),
    );
    const e = await resolveDigest(parseReference(`${registry.host}/e2e/errors:absent`)).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(RegistryError);
    expect((e as Error).message).toContain(`tag 'absent' not found in ${registry.host}/e2e/errors`);
    expect((e as RegistryError).status).toBe(404);
  }, 60_000);

  it('names the repository that does not exist', async () => {
    const e = await resolveDigest(parseReference(`${registry.host}/e2e/no-such-repo:v1`)).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message).toContain(
      `repository ${registry.host}/e2e/no-such-repo does not exist`,
    );
  });

  it('says when the registry host cannot be resolved', async () => {
    const e = await resolveDigest(parseReference('no-such-registry.invalid/acme/app:v1')).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(RegistryError);
    expect((e as Error).message).toContain(
      "cannot resolve registry host 'no-such-registry.invalid'",
    );
    expect((e as RegistryError).temporary).toBe(false);
  });

  it('says when nothing listens at the registry address', async () => {
    const e = await resolveDigest(parseReference('127.0.0.1:1/acme/app:v1')).catch(
      (x: unknown) => x,
    );
    expect((e as Error).message).toContain('nothing accepts connections at 127.0.0.1:1');
  });

  it('says when an archive does not exist', async () => {
    const e = await openImage(parseImageSpec('docker-archive:/nonexistent/x.tar')).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message).toContain('/nonexistent/x.tar does not exist');
  });
});

describe('a corrupted blob in registry storage', () => {
  it('is detected while reading it', async () => {
    const r = await push(
      parseImageSpec(`docker-archive:${archive}`),
      parseReference(`${registry.host}/e2e/corrupt:v1`),
    );
    const source = await openImage({ transport: 'registry', reference: r.reference });
    try {
      const image = await source.image();
      const biggest = [...image.layers].sort((a, b) => b.size - a.size)[0];
      if (!biggest) throw new Error('fixture has no layers');
      const data = join(
        registry.storageDir,
        'docker/registry/v2/blobs/sha256',
        biggest.digest.slice(7, 9),
        biggest.digest.slice(7),
        'data',
      );
      expect(statSync(data).size).toBe(biggest.size);
      const bytes = readFileSync(data);
      bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
      writeFileSync(data, bytes);
      const client = createRegistryClient();
      try {
        const stream = await client.getBlob(r.reference, biggest);
        const e = await (async () => {
          for await (const _chunk of stream) void _chunk;
        })().catch((x: unknown) => x);
        expect(e).toBeInstanceOf(DigestMismatchError);
        expect((e as Error).message).toContain(biggest.digest);
      } finally {
        await client.close();
      }
      const walk = await walkImageFiles(image, { onFile: () => undefined }).catch(
        (x: unknown) => x,
      );
      expect(walk).toBeInstanceOf(UserError);
    } finally {
      await source.close();
    }
    expect(readdirSync(registry.storageDir).length).toBeGreaterThan(0);
  }, 60_000);
});
