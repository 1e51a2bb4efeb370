/**
 * The layer compressor: multi-member gzip with stored members for pieces that do not shrink. GNU
 * gzip and zlib are the oracles: whatever the input, both must give the original bytes back, and
 * the same input must always give the same output (its digest names the blob).
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { gzipMembers, looksIncompressible, storedMember } from '../src/push/compress';

const MiB = 1024 * 1024;

async function compress(data: Buffer, chunk = 64 * 1024, level = 6): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let at = 0; at < data.length; at += chunk) pieces.push(data.subarray(at, at + chunk));
  const out: Buffer[] = [];
  for await (const m of gzipMembers(Readable.from(pieces), level)) out.push(m);
  return Buffer.concat(out);
}

function gnuGunzip(gz: Buffer): Buffer {
  return execFileSync('gzip', ['-dc'], { input: gz, maxBuffer: 64 * MiB });
}

const text = Buffer.from(
  Array.from({ length: 60000 }, (_, i) => `line ${i} of a very compressible layer\n`).join(''),
);

describe('storedMember', () => {
  it.each([0, 1, 65535, 65536, 2 * 65535, MiB, MiB + 1])(
    'wraps %d bytes in a gzip member that gzip and zlib read back',
    (size) => {
      const piece = randomBytes(size);
      const member = storedMember(piece);
      const blocks = Math.max(1, Math.ceil(size / 65535));
      expect(member.length).toBe(10 + blocks * 5 + size + 8);
      expect(gunzipSync(member).equals(piece)).toBe(true);
      expect(gnuGunzip(member).equals(piece)).toBe(true);
    },
  );
});

describe('gzipMembers', () => {
  it('gives back random, compressible and mixed layers exactly, to zlib and to GNU gzip', async () => {
    const random = randomBytes(3 * MiB + 12345);
    const mixed = Buffer.concat([text, randomBytes(MiB + 7), text.subarray(0, 100_000)]);
    for (const data of [random, text, mixed, Buffer.alloc(0), Buffer.from('x')]) {
      const gz = await compress(data);
      expect(gunzipSync(gz).equals(data)).toBe(true);
      expect(gnuGunzip(gz).equals(data)).toBe(true);
    }
  });

  it('stores pieces that do not shrink and deflates those that do', async () => {
    const random = randomBytes(2 * MiB);
    expect(looksIncompressible(random.subarray(0, MiB))).toBe(true);
    expect(looksIncompressible(text.subarray(0, MiB))).toBe(false);
    const storedOverhead = 2 * (10 + 17 * 5 + 8);
    expect((await compress(random)).length).toBe(random.length + storedOverhead);
    expect((await compress(text)).length).toBeLessThan(text.length / 5);
  });

  it('gives the same bytes however the input stream is chunked', async () => {
    const data = Buffer.concat([randomBytes(MiB + 3), text]);
    const digests = new Set<string>();
    for (const chunk of [1000, 65536, MiB, 3 * MiB]) {
      digests.add(
        createHash('sha256')
          .update(await compress(data, chunk))
          .digest('hex'),
      );
    }
    expect(digests.size).toBe(1);
  });

  it('honours level 0 by storing everything', async () => {
    const gz = await compress(text, 65536, 0);
    expect(gz.length).toBeGreaterThan(text.length);
    expect(gunzipSync(gz).equals(text)).toBe(true);
  });
});
