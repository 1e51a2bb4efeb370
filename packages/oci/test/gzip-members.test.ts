/**
 * The gzip member layout the compression worker writes, tested in this process: stored members
 * must be gzip that GNU gzip and zlib read back, and the sampling must tell random bytes from
 * compressible ones.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { deflateRawSync, gunzipSync } from 'node:zlib';
import {
  byteEntropy,
  looksIncompressible,
  sampleStart,
  storeInto,
  storedLength,
  storedOffset,
  unstore,
} from '../src/push/gzip-members';

// GNU gzip runs and 1 MiB round trips: seconds on a loaded machine.
jest.setTimeout(30_000);

const text = Buffer.from(
  Array.from({ length: 5000 }, (_, i) => `module ${i} signature appended\n`).join(''),
);

describe('stored members', () => {
  it('round-trip through zlib and GNU gzip at every block boundary', () => {
    for (const n of [0, 1, 65534, 65535, 65536, 2 * 65535, 2 * 65535 + 1, 1024 * 1024]) {
      const piece = randomBytes(n);
      const out = Buffer.alloc(storedLength(n));
      const length = storeInto(piece, out);
      expect(length).toBe(out.length);
      expect(gunzipSync(out).equals(piece)).toBe(true);
      expect(execFileSync('gzip', ['-dc'], { input: out }).equals(piece)).toBe(true);
    }
  });

  it('places each piece byte where storedOffset says, and unstore copies ranges back', () => {
    const piece = randomBytes(3 * 65535 + 100);
    const member = Buffer.alloc(storedLength(piece.length));
    storeInto(piece, member);
    for (const p of [0, 65534, 65535, 2 * 65535 + 7, piece.length - 1]) {
      expect(member[storedOffset(p)]).toBe(piece[p]);
    }
    const target = Buffer.alloc(piece.length);
    for (const [from, to] of [
      [0, piece.length],
      [65000, 140000],
      [65535, 65536],
    ] as const) {
      expect(unstore(member, from, to, target).equals(piece.subarray(from, to))).toBe(true);
    }
  });
});

describe('sampling', () => {
  it('measures byte entropy: 0 for one value, 8 for all values equally, near 8 for random', () => {
    expect(byteEntropy(Buffer.alloc(1000, 7))).toBe(0);
    expect(byteEntropy(Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256)))).toBe(8);
    expect(byteEntropy(randomBytes(16384))).toBeGreaterThan(7.95);
    expect(byteEntropy(text.subarray(0, 16384))).toBeLessThan(5);
  });

  it('calls random and gzip bytes incompressible and text compressible', () => {
    expect(looksIncompressible(randomBytes(16384))).toBe(true);
    const gz = execFileSync('gzip', ['-c', '/bin/busybox'], { maxBuffer: 1 << 26 });
    expect(looksIncompressible(gz.subarray(gz.length >> 1, (gz.length >> 1) + 16384))).toBe(true);
    expect(looksIncompressible(text.subarray(0, 16384))).toBe(false);
    expect(looksIncompressible(Buffer.alloc(0))).toBe(false);
  });

  it('skips the deflate trial below 7 bits only where the trial would say compressible', () => {
    // uniformly random bytes over 2…127 symbols: the hardest low-entropy input to deflate
    for (const symbols of [2, 16, 64, 100, 127]) {
      const sample = Buffer.from(randomBytes(16384).map((b) => b % symbols));
      expect(byteEntropy(sample)).toBeLessThan(7);
      expect(deflateRawSync(sample, { level: 1 }).length).toBeLessThan(sample.length * 0.95);
      expect(looksIncompressible(sample)).toBe(false);
    }
  });

  it('samples the middle of a piece and skips pieces under 4 KiB', () => {
    expect(sampleStart(4095)).toBe(-1);
    expect(sampleStart(4096)).toBe(0);
    expect(sampleStart(1024 * 1024)).toBe(512 * 1024 - 8192);
  });
});
