/**
 * Temporary failures: a loopback proxy in front of a real registry fails a share of requests
 * (500, 503, connection resets). Pushes and reads still complete; when every request fails the
 * client stops after its bounded retries with a clear error.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DigestMismatchError,
  RegistryError,
  openImage,
  push,
  resolveDigest,
  walkImageFiles,
  parseImageSpec,
  parseReference,
} from '@talos-kmod/oci';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { startRegistry, type TestRegistry } from '../support/registry';
import { dockerSaveArchive, skopeoDigest, tempDir, writeLayout } from './fixtures';

let registry: TestRegistry;
let proxy: FaultProxy;
let work: string;
let layout: string;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.host, { every: 0, kinds: ['503'] });
  work = tempDir('faults');
  // Incompressible content: the layer (> 16 MiB) spans many chunks, or one streaming PATCH.
  const big = randomBytes(18 * 1024 * 1024).toString('base64');
  layout = (
    await writeLayout(join(work, 'layout'), [
      {
        layers: [
          { compression: 'gzip', entries: [{ path: 'data/big', content: big }] },
          { compression: 'gzip', entries: [{ path: 'etc/small', content: 'small\n' }] },
        ],
      },
    ])
  ).dir;
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

const fast = { retry: { attempts: 6, minDelayMs: 5, maxDelayMs: 50 }, chunkSize: 2 * 1024 * 1024 };

describe('a registry behind a proxy that fails every third request', () => {
  it('still completes a chunked push with the same digest as a direct push', async () => {
    proxy.plan = { every: 3, kinds: ['503', 'reset', '500'] };
    const before = { ...proxy.stats };
    const viaProxy = await push(
      parseImageSpec(`oci:${layout}`),
      parseReference(`${proxy.host}/faults/app:v1`),
      fast,
    );
    expect(proxy.stats.failed - before.failed).toBeGreaterThan(3);
    const direct = await push(
      parseImageSpec(`oci:${layout}`),
      parseReference(`${registry.host}/faults/direct:v1`),
    );
    expect(viaProxy.digest).toBe(direct.digest);
    expect(skopeoDigest(`docker://${registry.host}/faults/app:v1`)).toBe(direct.digest);
  }, 60_000);

  it('still completes a push that streams each blob in one PATCH', async () => {
    proxy.plan = { every: 3, kinds: ['reset', '503', '500'] };
    const before = proxy.stats.failed;
    const r = await push(
      parseImageSpec(`oci:${layout}`),
      parseReference(`${proxy.host}/faults/streamed:v1`),
      {
        retry: fast.retry,
      },
    );
    expect(proxy.stats.failed - before).toBeGreaterThan(0);
    expect(skopeoDigest(`docker://${registry.host}/faults/streamed:v1`)).toBe(r.digest);
  }, 60_000);

  it('opens a new session for a compressed layer when the one opened ahead of it is lost', async () => {
    const { path } = await dockerSaveArchive();
    // every streaming PATCH of a compressed layer fails once: its session, opened before the
    // layer waited for a compression worker, is gone
    proxy.plan = {
      every: 1,
      kinds: ['lost-upload'],
      only: (method) => method === 'PATCH',
      times: 2,
    };
    const before = proxy.stats.failed;
    const opts = { retry: fast.retry, compressedLayerCache: false as const };
    const viaProxy = await push(
      parseImageSpec(`docker-archive:${path}`),
      parseReference(`${proxy.host}/faults/docker-lost:v1`),
      opts,
    );
    expect(proxy.stats.failed - before).toBe(2);
    proxy.plan = { every: 0, kinds: [] };
    const direct = await push(
      parseImageSpec(`docker-archive:${path}`),
      parseReference(`${registry.host}/faults/docker-lost-direct:v1`),
      opts,
    );
    expect(viaProxy.digest).toBe(direct.digest);
    expect(skopeoDigest(`docker://${registry.host}/faults/docker-lost:v1`)).toBe(direct.digest);
  }, 120_000);

  it('still completes a push that compresses docker save layers on the fly', async () => {
    const { path } = await dockerSaveArchive();
    proxy.plan = { every: 3, kinds: ['503', 'reset', '500'] };
    const before = proxy.stats.failed;
    const opts = { retry: fast.retry, compressedLayerCache: false as const };
    const viaProxy = await push(
      parseImageSpec(`docker-archive:${path}`),
      parseReference(`${proxy.host}/faults/docker:v1`),
      opts,
    );
    expect(proxy.stats.failed - before).toBeGreaterThan(0);
    const direct = await push(
      parseImageSpec(`docker-archive:${path}`),
      parseReference(`${registry.host}/faults/docker-direct:v1`),
      opts,
    );
    expect(viaProxy.digest).toBe(direct.digest);
    expect(skopeoDigest(`docker://${registry.host}/faults/docker:v1`)).toBe(direct.digest);
  }, 120_000);

  it('still reads every file of the image', async () => {
    // its own image, pushed straight to the registry: the test does not lean on an earlier push
    await push(parseImageSpec(`oci:${layout}`), parseReference(`${registry.host}/faults/read:v1`));
    proxy.plan = { every: 3, kinds: ['reset', '503'] };
    const source = await openImage(parseImageSpec(`${proxy.host}/faults/read:v1`), fast);
    try {
      const files: string[] = [];
      await walkImageFiles(await source.image(), {
        want: (f) => f.path === 'etc/small',
        onFile: (f, content) =>
          void files.push(`${f.path}${content ? `=${content.toString().trim()}` : ''}`),
      });
      expect(files.sort()).toEqual(['data/big', 'etc/small=small']);
    } finally {
      await source.close();
    }
  }, 60_000);
});

describe('a source whose bytes do not match their digest', () => {
  it('fails the push before anything is tagged', async () => {
    const copy = join(work, 'corrupt-layout');
    cpSync(layout, copy, { recursive: true });
    const blobs = join(copy, 'blobs', 'sha256');
    const biggest = readdirSync(blobs)
      .map((f) => join(blobs, f))
      .sort((a, b) => statSync(b).size - statSync(a).size)[0] as string;
    const bytes = readFileSync(biggest);
    bytes[1000] = (bytes[1000] ?? 0) ^ 0xff;
    writeFileSync(biggest, bytes);
    const e = await push(
      parseImageSpec(`oci:${copy}`),
      parseReference(`${registry.host}/faults/corrupt:v1`),
    ).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DigestMismatchError);
    const tag = await resolveDigest(parseReference(`${registry.host}/faults/corrupt:v1`)).catch(
      (x: unknown) => x,
    );
    expect(tag).toBeInstanceOf(RegistryError);
    expect((tag as RegistryError).status).toBe(404);
  }, 60_000);
});

describe('a registry behind a proxy that fails every request', () => {
  it('gives up after bounded retries with an error that says to retry later', async () => {
    proxy.plan = { every: 1, kinds: ['503'] };
    const before = proxy.stats.requests;
    const e = await push(
      parseImageSpec(`oci:${layout}`),
      parseReference(`${proxy.host}/faults/never:v1`),
      {
        ...fast,
        retry: { attempts: 3, minDelayMs: 5, maxDelayMs: 20 },
      },
    ).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RegistryError);
    expect((e as RegistryError).temporary).toBe(true);
    expect((e as RegistryError).status).toBe(503);
    expect((e as Error).message).toContain('retry later');
    const sent = proxy.stats.requests - before;
    expect(sent).toBeGreaterThanOrEqual(3);
    expect(sent).toBeLessThanOrEqual(3 * 5);
  }, 60_000);

  it('gives up on connection resets too', async () => {
    proxy.plan = { every: 1, kinds: ['reset'] };
    const e = await push(
      parseImageSpec(`oci:${layout}`),
      parseReference(`${proxy.host}/faults/never:v2`),
      {
        ...fast,
        retry: { attempts: 3, minDelayMs: 5, maxDelayMs: 20 },
      },
    ).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RegistryError);
    expect((e as Error).message).toMatch(/connection to .* failed .*retry later/);
  }, 60_000);
});
