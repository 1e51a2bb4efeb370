/**
 * Fuzz-style robustness: thousands of deterministic mutations of signed modules (ELF header,
 * section headers, .modinfo, the PKCS#7 DER, the module_signature block, the marker) and of
 * compressed modules. Nothing may throw, no bounds check may be missed (the catch-all "internal
 * error" problem must never appear), and no buffer larger than the input (or the decompression
 * cap) may be allocated.
 */
import { describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { inspectModule, readModule, verifyModuleSignature } from '@talos-kmod/kmod';
import { allocationProbe, resetAllocationProbe } from '../src/internal/alloc';
import { syntheticModule } from './helpers/synthetic-elf';
import { makeSigner, signSynthetic } from './helpers/synthetic-cms';
import { fuzzIterations, fuzzSeed, mutate, prng, type Region } from './helpers/mutate';

const ITERATIONS = fuzzIterations(3000);
const COMPRESSED_ITERATIONS = fuzzIterations(1000);
const TIMEOUT = 120_000 * fuzzIterations(1);

function signedModule(key: 'rsa' | 'ec', bits: 32 | 64, endian: 'little' | 'big') {
  const signer = makeSigner({ key });
  const layout = syntheticModule({ bits, endian, machine: bits === 64 ? 183 : 40 });
  const bytes = signSynthetic(layout.bytes, signer, { useKeyId: key === 'ec' });
  const n = bytes.length;
  const sigLen = new DataView(bytes.buffer).getUint32(n - 32, false);
  const regions: Region[] = [
    { name: 'ELF header', start: 0, end: bits === 64 ? 64 : 52 },
    { name: 'section headers', start: layout.shoff, end: layout.bytes.length },
    { name: '.modinfo', start: layout.dataOffsets[1] ?? 0, end: layout.dataOffsets[2] ?? 0 },
    { name: 'PKCS#7 DER', start: n - 40 - sigLen, end: n - 40 },
    { name: 'module_signature', start: n - 40, end: n - 28 },
    { name: 'marker', start: n - 28, end: n },
  ];
  return { bytes, regions, signer, contentLength: layout.bytes.length };
}

describe('fuzzing inspectModule and verifyModuleSignature', () => {
  it.each([
    ['rsa', 64, 'little'],
    ['ec', 32, 'big'],
  ] as const)(
    `survives ${ITERATIONS} mutations of a %s-signed %d-bit %s-endian module without throwing or over-allocating`,
    (key, bits, endian) => {
      const { bytes, regions, signer, contentLength } = signedModule(key, bits, endian);
      expect(verifyModuleSignature(bytes, signer.certDer).verified).toBe(true);
      const rand = prng(fuzzSeed(0x5eed + bits));
      const seenProblems = new Set<string>();
      for (let i = 0; i < ITERATIONS; i++) {
        const m = mutate(bytes, regions, rand);
        resetAllocationProbe();
        let info;
        try {
          info = inspectModule(m.bytes);
        } catch (e: unknown) {
          throw new Error(`mutation ${i} (${m.what}) threw: ${String(e)}`);
        }
        const internal = info.problems.filter((p) => p.startsWith('internal error'));
        expect({ i, what: m.what, internal }).toEqual({ i, what: m.what, internal: [] });
        expect(allocationProbe.largest).toBeLessThanOrEqual(m.bytes.length);
        for (const p of info.problems) seenProblems.add(p.replace(/\d+/g, 'N'));

        const result = verifyModuleSignature(m.bytes, signer.certDer);
        if (result.reason?.startsWith('verification failed unexpectedly')) {
          throw new Error(`mutation ${i} (${m.what}): ${result.reason}`);
        }
        const changedContent =
          m.bytes.length < contentLength ||
          m.bytes.subarray(0, contentLength).some((b, j) => b !== bytes[j]);
        if (changedContent && m.bytes.length === bytes.length) {
          expect({ i, what: m.what, verified: result.verified }).toEqual({
            i,
            what: m.what,
            verified: false,
          });
        }
      }
      // The mutations reached every layer: ELF, sections, signature block and DER.
      const all = [...seenProblems].join('\n');
      for (const fragment of ['ELF', 'section', 'sig_len', 'PKCS#']) {
        expect(all).toContain(fragment);
      }
    },
    TIMEOUT,
  );
});

describe('fuzzing readModule on compressed input', () => {
  const { bytes } = signedModule('rsa', 64, 'little');
  const cap = 64 * 1024;

  /** COMPRESSED_ITERATIONS mutations of `input`: no internal error, no allocation past `cap`. */
  async function expectBoundedUnderMutation(
    input: Uint8Array,
    seed: number,
    regions: Region[],
  ): Promise<void> {
    const rand = prng(fuzzSeed(seed));
    for (let i = 0; i < COMPRESSED_ITERATIONS; i++) {
      const m = mutate(input, regions, rand);
      resetAllocationProbe();
      const info = await readModule(m.bytes, { maxDecompressedSize: cap });
      expect(info.problems.filter((p) => p.startsWith('internal error'))).toEqual([]);
      expect(allocationProbe.largest).toBeLessThanOrEqual(cap);
    }
  }

  it(
    `survives ${COMPRESSED_ITERATIONS} mutations of a gzip module within the decompression cap`,
    async () => {
      const gz = gzipSync(bytes);
      await expectBoundedUnderMutation(gz, 7, [
        { name: 'gzip header', start: 0, end: 10 },
        { name: 'deflate data', start: 10, end: gz.length - 8 },
        { name: 'gzip trailer', start: gz.length - 8, end: gz.length },
      ]);
    },
    TIMEOUT,
  );

  it(
    `survives ${COMPRESSED_ITERATIONS} mutations of a zstd module within the decompression cap`,
    async () => {
      // A zstd frame with stored blocks: single segment, 2-byte content size.
      const header = Uint8Array.of(
        0x28,
        0xb5,
        0x2f,
        0xfd,
        0x60,
        (bytes.length - 256) & 0xff,
        (bytes.length - 256) >> 8,
      );
      const block = (bytes.length << 3) | 1;
      const zst = new Uint8Array(
        Buffer.concat([
          header,
          Uint8Array.of(block & 0xff, (block >> 8) & 0xff, block >> 16),
          bytes,
        ]),
      );
      expect((await readModule(zst)).problems).toEqual([]);
      await expectBoundedUnderMutation(zst, 11, [
        { name: 'frame header', start: 0, end: 7 },
        { name: 'block header', start: 7, end: 10 },
        { name: 'block data', start: 10, end: zst.length },
      ]);
    },
    TIMEOUT,
  );
});
