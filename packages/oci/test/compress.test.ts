/**
 * The layer compressor: multi-member gzip with stored members for pieces that do not shrink, run
 * on a worker thread. GNU gzip and zlib are the oracles: whatever the input, both must give the
 * original bytes back, and the same input must always give the same output (its digest names
 * the blob), whether the worker reads a file range or is fed a stream.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { UserError } from '@talos-kmod/common';
import { parseDigest, type Digest } from '@talos-kmod/oci';
import { DigestMismatchError } from '../src/blob/verify';
import {
  compressLayer,
  compressWorkerCount,
  warmCompressor,
  withCompressor,
  type Compressed,
  type GzipLevel,
  type LayerInput,
} from '../src/push/compress';

// Worker threads and many MiB of deflate: on a loaded 2-core machine these take seconds, not
// milliseconds (the first job also bundles the worker program from its sources).
jest.setTimeout(60_000);

const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'compress-test-'));

const sha256 = (b: Buffer): Digest =>
  parseDigest(`sha256:${createHash('sha256').update(b).digest('hex')}`);

/** Compresses, keeping copies of the members (their buffers are reused). */
async function run(
  input: LayerInput,
  level: GzipLevel = 6,
): Promise<{ gz: Buffer; result: Compressed }> {
  const out: Buffer[] = [];
  const result = await compressLayer(input, level, async (m) => void out.push(Buffer.from(m)));
  return { gz: Buffer.concat(out), result };
}

function streamOf(data: Buffer, chunk = 64 * 1024): { stream: Readable } {
  const pieces: Buffer[] = [];
  for (let at = 0; at < data.length; at += chunk) pieces.push(data.subarray(at, at + chunk));
  return { stream: Readable.from(pieces) };
}

/** `data` placed at an odd offset inside a file, as a layer inside a `docker save` tar. */
function fileOf(data: Buffer, claimed?: { digest?: Digest; size?: number }): LayerInput {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.tar`);
  writeFileSync(path, Buffer.concat([randomBytes(1536), data, randomBytes(512)]));
  return {
    file: { path, offset: 1536, size: claimed?.size ?? data.length },
    digest: claimed?.digest ?? sha256(data),
    size: claimed?.size ?? data.length,
    what: 'layer 0',
  };
}

function gnuGunzip(gz: Buffer): Buffer {
  return execFileSync('gzip', ['-dc'], { input: gz, maxBuffer: 64 * MiB });
}

const text = Buffer.from(
  Array.from({ length: 60000 }, (_, i) => `line ${i} of a very compressible layer\n`).join(''),
);
/** Bytes of a stored member holding `n` bytes. */
const stored = (n: number): number => 10 + Math.max(1, Math.ceil(n / 65535)) * 5 + n + 8;

describe('compressLayer', () => {
  it('gives back random, compressible, mixed and tiny layers exactly, to zlib and to GNU gzip', async () => {
    const random = randomBytes(3 * MiB + 12345);
    const mixed = Buffer.concat([text, randomBytes(MiB + 7), text.subarray(0, 100_000)]);
    for (const data of [random, text, mixed, Buffer.alloc(0), Buffer.from('x')]) {
      const { gz, result } = await run(streamOf(data));
      expect(gunzipSync(gz).equals(data)).toBe(true);
      expect(gnuGunzip(gz).equals(data)).toBe(true);
      expect(result).toEqual({ digest: sha256(gz), size: gz.length });
    }
  });

  it('stores random pieces (block boundaries included) and deflates compressible ones', async () => {
    for (const size of [1, 65535, 65536, 2 * 65535, MiB, MiB + 1, 2 * MiB]) {
      const data = randomBytes(size);
      const { gz } = await run(streamOf(data));
      const members = Math.ceil(size / MiB);
      const last = size - MiB * (members - 1);
      // pieces under 4 KiB are not sampled: they are deflated (a few bytes either way)
      if (last >= 4096) {
        const expected = stored(MiB) * (members - 1) + stored(last);
        expect({ size, length: gz.length }).toEqual({ size, length: expected });
      }
      expect(gnuGunzip(gz).equals(data)).toBe(true);
    }
    expect((await run(streamOf(text))).gz.length).toBeLessThan(text.length / 5);
  });

  it('gives the same bytes from a file range and from a stream however it is chunked', async () => {
    const data = Buffer.concat([randomBytes(MiB + 3), text]);
    const digests = new Set<string>();
    for (const chunk of [1000, 65536, MiB, 3 * MiB]) {
      digests.add((await run(streamOf(data, chunk))).result.digest);
    }
    digests.add((await run(fileOf(data))).result.digest);
    expect(digests.size).toBe(1);
  });

  it('honours level 0 by storing everything', async () => {
    const { gz } = await run(streamOf(text), 0);
    const pieces = Math.ceil(text.length / MiB);
    expect(gz.length).toBe(stored(MiB) * (pieces - 1) + stored(text.length - MiB * (pieces - 1)));
    expect(gunzipSync(gz).equals(text)).toBe(true);
  });

  it('deflates the pieces at the given levels in turn, from a file and from a stream', async () => {
    // zlib is the oracle: each member is zlib's gzip of its 1 MiB piece at that piece's level
    const data = Buffer.concat([text, text.subarray(0, 500_000)]);
    const levels = [4, 2];
    const expected: Buffer[] = [];
    for (let at = 0, i = 0; at < data.length; at += MiB, i++) {
      const level = levels[i % levels.length] as number;
      expected.push(gzipSync(data.subarray(at, at + MiB), { level, memLevel: 9 }));
    }
    expect(expected.length).toBe(3);
    for (const input of [streamOf(data, 100_000), fileOf(data)]) {
      const out: Buffer[] = [];
      await compressLayer(input, levels, async (m) => void out.push(Buffer.from(m)));
      expect(Buffer.concat(out).equals(Buffer.concat(expected))).toBe(true);
    }
    // the two levels do differ on these pieces, so the test above tells them apart
    const at4 = gzipSync(data.subarray(MiB, 2 * MiB), { level: 4, memLevel: 9 });
    expect(at4.equals(expected[1] as Buffer)).toBe(false);
  });

  it('fails a job whose levels zlib does not have (a list: at the piece that takes it)', async () => {
    for (const level of [[], [4, 12]]) {
      await expect(
        compressLayer(
          { stream: streamOf(text).stream, what: 'layer 2' },
          level,
          async () => undefined,
        ),
      ).rejects.toThrow(/^compressing layer 2 failed: .*level/);
    }
    expect((await run(streamOf(text), [1])).gz.length).toBeLessThan(text.length / 4);
  });

  it("reuses a member's buffer only after the sink has resolved it", async () => {
    // A slow sink holding each member for a while, as a socket under load does: the bytes it
    // holds must still be the member's when it finally "writes" them.
    const data = Buffer.concat([randomBytes(6 * MiB), text]);
    for (const input of [streamOf(data), fileOf(data)]) {
      const written: Buffer[] = [];
      let changedWhileHeld = 0;
      await compressLayer(input, 6, async (m) => {
        const snapshot = Buffer.from(m);
        await new Promise((r) => setTimeout(r, 5));
        if (!m.equals(snapshot)) changedWhileHeld++;
        written.push(Buffer.from(m));
      });
      expect(changedWhileHeld).toBe(0);
      expect(gunzipSync(Buffer.concat(written)).equals(data)).toBe(true);
    }
  });

  it('checks a file range against its digest and size', async () => {
    const data = randomBytes(2 * MiB);
    await expect(run(fileOf(data, { digest: sha256(randomBytes(10)) }))).rejects.toBeInstanceOf(
      DigestMismatchError,
    );
    const wrongSize = fileOf(data, { size: data.length + 4096 });
    await expect(
      run({
        ...wrongSize,
        file: {
          ...('file' in wrongSize ? wrongSize.file : { path: '', offset: 0 }),
          size: data.length,
        },
      }),
    ).rejects.toThrow(/has 2097152 bytes but its descriptor says 2101248/);
  });

  it('fails with the sink, the input stream and a missing file, and stops its worker', async () => {
    let calls = 0;
    await expect(
      compressLayer(streamOf(randomBytes(4 * MiB)), 6, async () => {
        if (++calls === 2) throw new Error('socket gone');
      }),
    ).rejects.toThrow('socket gone');
    const failing = new Readable({
      read() {
        this.destroy(new Error('disk read failed'));
      },
    });
    await expect(compressLayer({ stream: failing }, 6, async () => undefined)).rejects.toThrow(
      'disk read failed',
    );
    const gone = run({
      file: { path: join(dir, 'gone.tar'), offset: 0, size: 10 },
      digest: sha256(Buffer.alloc(0)),
      size: 10,
      what: 'layer 0',
    });
    await expect(gone).rejects.toBeInstanceOf(UserError);
    await expect(gone).rejects.toThrow(/cannot read layer 0 in .*gone\.tar: ENOENT.*re-export it/);
    // an archive cut short after it was indexed
    const short = fileOf(randomBytes(3 * MiB), { size: 3 * MiB });
    if ('file' in short) short.file.size = 4 * MiB;
    await expect(run(short)).rejects.toThrow(/ended before the layer did.*push again/);
  });

  it('runs many layers at once on the pooled workers, each whole and in order', async () => {
    const layers = Array.from({ length: 6 }, (_, i) =>
      Buffer.concat([randomBytes(MiB + i * 1000), text.subarray(0, 200_000 * (i + 1))]),
    );
    const results = await Promise.all(layers.map((data) => run(streamOf(data))));
    results.forEach(({ gz }, i) => expect(gunzipSync(gz).equals(layers[i] as Buffer)).toBe(true));
  });

  it('gives the same bytes for a layer whatever its worker compressed before (buffers are reused)', async () => {
    const big = Buffer.concat([text, randomBytes(3 * MiB + 7), text]);
    const small = text.subarray(0, 5000);
    const first = await run(fileOf(small));
    await run(fileOf(big));
    const bigAgain = await run(streamOf(big));
    const again = await run(fileOf(small));
    expect(gunzipSync(bigAgain.gz).equals(big)).toBe(true);
    expect(gunzipSync(again.gz).equals(small)).toBe(true);
    expect(again.result).toEqual(first.result);
    expect(again.gz.equals(first.gz)).toBe(true);
  });

  it('replaces a worker whose job failed midway, for the same compressor and for others', async () => {
    const data = randomBytes(4 * MiB);
    // this compressor takes a worker first; `waiting` queues behind its failing job
    const held = withCompressor(async (compress) => {
      let calls = 0;
      await expect(
        compress(streamOf(data), 6, async () => {
          if (++calls === 2) throw new Error('upload refused');
        }),
      ).rejects.toThrow('upload refused');
      // a retry on the same compressor (as an upload retry does) gets a working worker
      const out: Buffer[] = [];
      await compress(streamOf(data), 6, async (m) => void out.push(Buffer.from(m)));
      return Buffer.concat(out);
    });
    const waiting = run(streamOf(text));
    const second = await held;
    expect(gunzipSync(second).equals(data)).toBe(true);
    expect(gunzipSync((await waiting).gz).equals(text)).toBe(true);
  });

  it('names the layer when compression itself fails in the worker, and leaks no worker', async () => {
    const before = compressWorkerCount().running;
    const bad = compressLayer(
      { stream: streamOf(text).stream, what: 'layer 3 (sha256:abc)' },
      42,
      async () => undefined,
    );
    await expect(bad).rejects.toThrow(/^compressing layer 3 \(sha256:abc\) failed: .*level/);
    await expect(
      compressLayer(
        {
          ...(fileOf(text) as Extract<LayerInput, { file: unknown }>),
          what: 'layer 1 (sha256:def)',
        },
        42,
        async () => undefined,
      ),
    ).rejects.toThrow(/^compressing layer 1 \(sha256:def\) failed/);
    // the failed jobs' workers were stopped; whatever is alive is idle, and no more than before
    const after = compressWorkerCount();
    expect(after.running).toBe(after.idle);
    expect(after.running).toBeLessThanOrEqual(Math.max(before, 1));
    // and the pool still works
    expect(gunzipSync((await run(streamOf(text))).gz).equals(text)).toBe(true);
  });

  it('holds no worker once every job has ended, failed or not', async () => {
    const jobs = [
      run(streamOf(randomBytes(3 * MiB))),
      compressLayer(streamOf(randomBytes(3 * MiB)), 6, async () => {
        throw new Error('socket gone');
      }),
      run(streamOf(text)),
    ];
    await Promise.allSettled(jobs);
    const { running, idle } = compressWorkerCount();
    expect(running).toBe(idle);
  });

  it('stops an idle worker after a while and starts another for the next layer', async () => {
    expect(gunzipSync((await run(streamOf(text))).gz).equals(text)).toBe(true);
    await new Promise((r) => setTimeout(r, 2300));
    expect(gunzipSync((await run(streamOf(text))).gz).equals(text)).toBe(true);
  });

  it('starts one worker ahead of the first layer, which the layer then uses', async () => {
    for (let i = 0; i < 50 && compressWorkerCount().running > 0; i++) {
      await new Promise((r) => setTimeout(r, 100)); // the workers of earlier tests stop idle
    }
    expect(compressWorkerCount().running).toBe(0);
    warmCompressor();
    warmCompressor(); // one is enough
    expect(compressWorkerCount().running).toBe(1);
    for (let i = 0; i < 100 && compressWorkerCount().idle === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(compressWorkerCount()).toEqual({ running: 1, idle: 1 });
    expect(gunzipSync((await run(fileOf(text))).gz).equals(text)).toBe(true);
    expect(compressWorkerCount()).toEqual({ running: 1, idle: 1 });
  });
});
