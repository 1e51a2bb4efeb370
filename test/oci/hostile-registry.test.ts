/**
 * A real registry behind the fault proxy, misbehaving in the ways the retry tests did not cover:
 * rate limiting with `Retry-After`, a blob body cut short, a lost upload session, a registry that
 * accepts connections and never answers, bodies that never end, and the elapsed-time cap; a
 * manifest or tag list cut short is fetched again (it reached verify as a raw socket error).
 * Each case either completes with the right digest or fails with an error naming what happened.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  RegistryError,
  createRegistryClient,
  openImage,
  push,
  resolveDigest,
  walkImageFiles,
  parseImageSpec,
  parseReference,
} from '@talos-kmod/oci';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { startRegistry, type TestRegistry } from '../support/registry';
import { skopeoDigest, tempDir, writeLayout } from './fixtures';

let registry: TestRegistry;
let proxy: FaultProxy;
let work: string;
let layout: string;
let pushed: string;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.host, { every: 0, kinds: [] });
  work = tempDir('hostile-registry');
  const big = randomBytes(3 * 1024 * 1024);
  layout = (
    await writeLayout(join(work, 'layout'), [
      {
        layers: [
          { compression: 'gzip', entries: [{ path: 'data/big', content: big.toString('base64') }] },
          { compression: 'gzip', entries: [{ path: 'etc/small', content: 'small\n' }] },
        ],
      },
    ])
  ).dir;
  pushed = (
    await push(parseImageSpec(`oci:${layout}`), parseReference(`${registry.host}/hostile/app:v1`), {
      compressedLayerCache: false,
    })
  ).digest;
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

const isManifest = (_m: string, p: string) => p.includes('/manifests/');
const isBlobGet = (m: string, p: string) => m === 'GET' && p.includes('/blobs/sha256:');
const isUploadWrite = (m: string, p: string) =>
  (m === 'PATCH' || m === 'PUT') && p.includes('/blobs/uploads/');

async function readAll(ref: string, options: Parameters<typeof openImage>[1]): Promise<string[]> {
  const source = await openImage(parseImageSpec(ref), options);
  try {
    const files: string[] = [];
    await walkImageFiles(await source.image(), {
      want: () => true,
      onFile: (f, content) => void files.push(`${f.path}:${content?.length ?? '-'}`),
    });
    return files.sort();
  } finally {
    await source.close();
  }
}

describe('rate limiting (429 with Retry-After)', () => {
  it('waits as long as Retry-After says before retrying, and the push completes', async () => {
    proxy.plan = { every: 4, kinds: ['429'], retryAfterSeconds: 1 };
    // Without the hint the client would retry after 5-10 ms, inside the window, and run out.
    const r = await push(
      parseImageSpec(`oci:${layout}`),
      parseReference(`${proxy.host}/hostile/rate:v1`),
      {
        retry: { attempts: 6, minDelayMs: 5, maxDelayMs: 3000 },
        compressedLayerCache: false,
      },
    );
    expect(proxy.stats.failed).toBeGreaterThan(0);
    expect(proxy.stats.early).toBe(0);
    expect(r.digest).toBe(pushed);
    expect(skopeoDigest(`docker://${registry.host}/hostile/rate:v1`)).toBe(pushed);
  }, 120_000);
});

describe('rate limiting on the /v2/ ping', () => {
  it('waits as long as Retry-After says before pinging again', async () => {
    proxy.plan = {
      every: 1,
      kinds: ['429'],
      only: (_m, p) => p === '/v2/',
      times: 1,
      retryAfterSeconds: 1,
    };
    const early = proxy.stats.early;
    const pinned = await resolveDigest(parseReference(`${proxy.host}/hostile/app:v1`), {
      retry: { attempts: 6, minDelayMs: 5, maxDelayMs: 3000 },
    });
    expect(proxy.stats.failed).toBeGreaterThan(0);
    expect(proxy.stats.early - early).toBe(0);
    expect(pinned.digest).toBe(pushed);
  }, 60_000);
});

describe('a manifest or tag list body cut short', () => {
  const isManifestGet = (m: string, p: string) => m === 'GET' && isManifest(m, p);

  it('fetches the manifest again and returns it, verified', async () => {
    proxy.plan = { every: 1, kinds: ['cut'], only: isManifestGet, times: 1 };
    const failed = proxy.stats.failed;
    const client = createRegistryClient({ retry: { attempts: 3, minDelayMs: 5, maxDelayMs: 20 } });
    try {
      const m = await client.getManifest(parseReference(`${proxy.host}/hostile/app:v1`));
      expect(proxy.stats.failed - failed).toBe(1);
      expect(m.descriptor.digest).toBe(pushed);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('fetches the tag list again', async () => {
    const isTagList = (m: string, p: string) => m === 'GET' && p.endsWith('/tags/list');
    proxy.plan = { every: 1, kinds: ['cut'], only: isTagList, times: 1 };
    const failed = proxy.stats.failed;
    const client = createRegistryClient({ retry: { attempts: 3, minDelayMs: 5, maxDelayMs: 20 } });
    try {
      expect(await client.listTags(parseReference(`${proxy.host}/hostile/app`))).toEqual(['v1']);
      expect(proxy.stats.failed - failed).toBe(1);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('gives up with a RegistryError saying to retry later when every answer is cut', async () => {
    proxy.plan = { every: 1, kinds: ['cut'], only: isManifestGet };
    const client = createRegistryClient({ retry: { attempts: 3, minDelayMs: 5, maxDelayMs: 20 } });
    try {
      const e = await client
        .getManifest(parseReference(`${proxy.host}/hostile/app:v1`))
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RegistryError);
      expect((e as RegistryError).temporary).toBe(true);
      expect((e as Error).message).toMatch(
        /connection to 127\.0\.0\.1:\d+ failed .* retry later \(gave up after 3 attempts/,
      );
    } finally {
      await client.close();
    }
  }, 60_000);
});

describe('a blob body cut short', () => {
  it('resumes with a Range request and reads every byte, verified', async () => {
    proxy.plan = { every: 2, kinds: ['cut'], only: isBlobGet };
    const before = proxy.stats.ranged;
    const files = await readAll(`${proxy.host}/hostile/app:v1`, {
      retry: { attempts: 10, minDelayMs: 5, maxDelayMs: 20 },
    });
    proxy.plan = { every: 0, kinds: [] };
    expect(files).toEqual(await readAll(`${registry.host}/hostile/app:v1`, {}));
    expect(proxy.stats.ranged - before).toBeGreaterThan(0);
  }, 120_000);
});

describe('a lost upload session (404 on PATCH)', () => {
  it('starts the upload over from the source and pushes the same digest', async () => {
    proxy.plan = { every: 2, kinds: ['lost-upload'], only: isUploadWrite, times: 2 };
    const failedBefore = proxy.stats.failed;
    const r = await push(
      parseImageSpec(`oci:${layout}`),
      parseReference(`${proxy.host}/hostile/lost:v1`),
      {
        retry: { attempts: 6, minDelayMs: 5, maxDelayMs: 20 },
        chunkSize: 1024 * 1024,
        compressedLayerCache: false,
      },
    );
    expect(proxy.stats.failed - failedBefore).toBeGreaterThan(0);
    expect(r.digest).toBe(pushed);
    expect(skopeoDigest(`docker://${registry.host}/hostile/lost:v1`)).toBe(pushed);
  }, 120_000);
});

describe('the elapsed-time cap', () => {
  it('stops retrying when maxElapsedMs has passed, long before the attempts run out', async () => {
    proxy.plan = { every: 1, kinds: ['503'], only: isManifest };
    const before = proxy.stats.requests;
    const e = await resolveDigest(parseReference(`${proxy.host}/hostile/app:v1`), {
      retry: { attempts: 1000, minDelayMs: 50, maxDelayMs: 100, maxElapsedMs: 1000 },
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RegistryError);
    expect((e as Error).message).toMatch(/gave up after \d+ attempts/);
    expect(proxy.stats.requests - before).toBeLessThan(100);
  }, 60_000);
});

describe('a registry that accepts connections and never answers', () => {
  it('fails the connect-and-ping deadline with a message saying so', async () => {
    proxy.plan = { every: 1, kinds: ['silent'] };
    const e = await resolveDigest(parseReference(`${proxy.host}/hostile/app:v1`), {
      timeouts: { connectMs: 1500 },
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RegistryError);
    expect((e as Error).message).toContain(`${proxy.host} did not answer GET /v2/ within 1.5 s`);
    expect((e as RegistryError).temporary).toBe(false);
  }, 60_000);

  it('fails a request the registry never answers after the per-request deadline, retried a bounded number of times', async () => {
    proxy.plan = { every: 1, kinds: ['silent'], only: isManifest };
    const e = await resolveDigest(parseReference(`${proxy.host}/hostile/app:v1`), {
      timeouts: { requestMs: 800 },
      retry: { attempts: 2, minDelayMs: 5, maxDelayMs: 10 },
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RegistryError);
    expect((e as Error).message).toContain(`${proxy.host} is not responding`);
    expect((e as Error).message).toContain('sent no answer within 0.8 s');
  }, 60_000);
});

describe('bodies that never end', () => {
  it('stops reading a manifest at 4 MiB and names the limit', async () => {
    proxy.plan = { every: 1, kinds: ['endless'], only: (m, p) => m === 'GET' && isManifest(m, p) };
    const client = createRegistryClient({ retry: { attempts: 1 } });
    try {
      const e = await client
        .getManifest(parseReference(`${proxy.host}/hostile/app:v1`))
        .catch((x: unknown) => x);
      expect((e as Error).message).toContain('sent more than 4 MiB for a manifest');
    } finally {
      await client.close();
    }
  }, 60_000);

  it('stops reading an error body after a few KiB and reports the status', async () => {
    proxy.plan = { every: 1, kinds: ['endless-error'], only: isManifest };
    const client = createRegistryClient({ retry: { attempts: 1 } });
    try {
      const e = await client
        .getManifest(parseReference(`${proxy.host}/hostile/app:v1`))
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RegistryError);
      expect((e as RegistryError).status).toBe(404);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('does not hang on an endless body answering the /v2/ ping', async () => {
    proxy.plan = { every: 1, kinds: ['endless-error'], only: (_m, p) => p === '/v2/' };
    const pinned = await resolveDigest(parseReference(`${proxy.host}/hostile/app:v1`));
    expect(pinned.digest).toBe(pushed);
  }, 60_000);
});
