/**
 * Fuzz-style robustness on real artefacts: a kbuild module signed by sign-file, and its xz and
 * zstd forms made by the real tools. Mutations never make the reader throw, miss a bounds check or
 * allocate more than the input (or the decompression cap), and the xz decoder keeps working after
 * hundreds of corrupt streams (its lock is always released).
 */
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { inspectModule, readModule } from '@talos-kmod/kmod';
import { allocationProbe, resetAllocationProbe } from '../../packages/kmod/src/internal/alloc';
import {
  fuzzIterations,
  fuzzSeed,
  mutate,
  prng,
  type Region,
} from '../../packages/kmod/test/helpers/mutate';
import { buildTestModule, compressModule, makeSigningKey, signModule } from '../support/modules';

jest.setTimeout(300_000 * fuzzIterations(1));

const SIGNED_ITERATIONS = fuzzIterations(2000);

let signed: Uint8Array;
let xz: Uint8Array;
let zst: Uint8Array;

beforeAll(async () => {
  const [module, key] = await Promise.all([
    buildTestModule({ name: 'talos_kmod_fuzz', firmware: ['fuzz/fw.bin'] }),
    makeSigningKey({ type: 'rsa2048' }),
  ]);
  const path = await signModule(module, key, { hash: 'sha512' });
  signed = await readFile(path);
  xz = await readFile(await compressModule(path, 'xz'));
  zst = await readFile(await compressModule(path, 'zstd'));
});

function regionsOf(bytes: Uint8Array): Region[] {
  const n = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sigLen = view.getUint32(n - 32, false);
  const shoff = Number(view.getBigUint64(40, true));
  return [
    { name: 'ELF header', start: 0, end: 64 },
    { name: 'section headers', start: shoff, end: shoff + view.getUint16(60, true) * 64 },
    { name: 'PKCS#7 DER', start: n - 40 - sigLen, end: n - 40 },
    { name: 'module_signature', start: n - 40, end: n - 28 },
    { name: 'marker', start: n - 28, end: n },
  ];
}

describe('fuzzing real modules', () => {
  it(`survives ${SIGNED_ITERATIONS} mutations of a sign-file signed module`, () => {
    expect(inspectModule(signed).problems).toEqual([]);
    const regions = regionsOf(signed);
    const rand = prng(fuzzSeed(42));
    for (let i = 0; i < SIGNED_ITERATIONS; i++) {
      const m = mutate(signed, regions, rand);
      resetAllocationProbe();
      const info = inspectModule(m.bytes);
      expect({
        i,
        what: m.what,
        internal: info.problems.filter((p) => p.startsWith('internal')),
      }).toEqual({
        i,
        what: m.what,
        internal: [],
      });
      expect(allocationProbe.largest).toBeLessThanOrEqual(m.bytes.length);
    }
  });

  it.each([
    ['xz', () => xz, fuzzIterations(300)],
    ['zstd', () => zst, fuzzIterations(1000)],
  ] as const)(
    'survives mutations of a real %s module within the cap',
    async (kind, data, count) => {
      const input = data();
      // Above the 1 MiB LZMA2 dictionary of compressModule's xz: with a smaller cap the dictionary
      // check refuses most mutated streams before the decoder sees them.
      const cap = Math.max(4 * signed.length, 2 << 20);
      const rand = prng(fuzzSeed(kind === 'xz' ? 1 : 2));
      const regions: Region[] = [
        { name: 'header', start: 0, end: 32 },
        { name: 'data', start: 32, end: input.length - 32 },
        { name: 'tail', start: input.length - 32, end: input.length },
      ];
      for (let i = 0; i < count; i++) {
        const m = mutate(input, regions, rand);
        resetAllocationProbe();
        const info = await readModule(m.bytes, { maxDecompressedSize: cap });
        expect(info.problems.filter((p) => p.startsWith('internal'))).toEqual([]);
        expect(allocationProbe.largest).toBeLessThanOrEqual(cap);
      }
      // The decoder is still usable after every corrupt stream.
      const info = await readModule(input);
      expect(info.problems).toEqual([]);
      expect(info.compression).toBe(kind);
    },
  );
});
