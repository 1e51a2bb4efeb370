import { describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { decompressModule, inspectModule, readModule } from '@talos-kmod/kmod';
import { allocationProbe, resetAllocationProbe } from '../src/internal/alloc';
import { CorruptDataError } from '../src/internal/compression/errors';
import { unzstdBounded } from '../src/internal/compression/zstd';
import { syntheticModule } from './helpers/synthetic-elf';
import { makeSigner, signSynthetic } from './helpers/synthetic-cms';

const module = signSynthetic(
  syntheticModule({ bits: 64, endian: 'little', machine: 62 }).bytes,
  makeSigner(),
);

/** A zstd frame made of raw (stored) blocks: real zstd, no compressor needed. */
function zstdStored(data: Uint8Array, options: { windowLog?: number } = {}): Uint8Array {
  const header: number[] = [0x28, 0xb5, 0x2f, 0xfd];
  if (options.windowLog !== undefined) {
    header.push(0x00, (options.windowLog - 10) << 3); // no content size, window descriptor
  } else {
    header.push(0x60, (data.length - 256) & 0xff, ((data.length - 256) >> 8) & 0xff); // single segment
  }
  const parts: Uint8Array[] = [Uint8Array.from(header)];
  const BLOCK = 0x20000;
  for (let at = 0; at < data.length; at += BLOCK) {
    const block = data.subarray(at, at + BLOCK);
    const h = (block.length << 3) | (at + BLOCK >= data.length ? 1 : 0); // type 0: raw
    parts.push(Uint8Array.of(h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff), block);
  }
  return new Uint8Array(Buffer.concat(parts));
}

describe('readModule with compression', () => {
  it('reads a gzip module like the uncompressed one', async () => {
    const info = await readModule(gzipSync(module), { fileName: 'acme.ko.gz' });
    const plain = inspectModule(module, { fileName: 'acme.ko.gz' });
    expect(info).toEqual({ ...plain, compression: 'gzip' });
  });

  it('reads a zstd module like the uncompressed one', async () => {
    const info = await readModule(zstdStored(module), { fileName: 'acme.ko.zst' });
    expect(info.compression).toBe('zstd');
    expect(info.problems).toEqual([]);
    expect(info.signature?.signer).toBe('Build time throw-away kernel key');
    expect(info.name).toBe('acme');
  });

  it('detects compression by magic, not by name', async () => {
    const info = await readModule(gzipSync(module), { fileName: 'acme.ko' });
    expect(info.compression).toBe('gzip');
    expect((await readModule(module, { fileName: 'acme.ko.xz' })).compression).toBe('none');
  });

  it('returns the input itself for an uncompressed module', async () => {
    const out = await decompressModule(module);
    expect(out).toEqual({ compression: 'none', data: module });
  });

  it('refuses gzip output beyond the cap without allocating it', async () => {
    const bomb = gzipSync(new Uint8Array(8 * 1024 * 1024));
    resetAllocationProbe();
    const info = await readModule(bomb, { maxDecompressedSize: 1024 * 1024 });
    expect(info.problems).toEqual([expect.stringContaining('gzip data is too large to inspect')]);
    expect(allocationProbe.largest).toBeLessThanOrEqual(1024 * 1024);
  });

  it('refuses a zstd frame whose window is larger than the cap before decoding', async () => {
    resetAllocationProbe();
    const info = await readModule(zstdStored(module, { windowLog: 40 }), {
      maxDecompressedSize: 1 << 20,
    });
    expect(info.problems).toEqual([
      expect.stringContaining('declares 1099511627776 bytes, more than the 1048576-byte limit'),
    ]);
    expect(allocationProbe.largest).toBe(0);
  });

  it('refuses zstd output beyond the cap', async () => {
    const info = await readModule(zstdStored(new Uint8Array(300_000), { windowLog: 17 }), {
      maxDecompressedSize: 200_000,
    });
    expect(info.problems).toEqual([expect.stringContaining('more than the 200000-byte limit')]);
  });

  it('refuses an xz block whose dictionary is larger than the cap', async () => {
    // Stream header, then a block header with one LZMA2 filter and dictionary property 40 (4 GiB).
    const xz = Uint8Array.from([
      0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x01, 0x69, 0x22, 0xde, 0x36, 0x02, 0x00, 0x21,
      0x01, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ]);
    const info = await readModule(xz, { maxDecompressedSize: 1 << 20 });
    expect(info.problems).toEqual([expect.stringContaining('LZMA2 dictionary (4294967295 bytes)')]);
  });

  it.each([
    ['gzip', () => gzipSync(module).subarray(0, 200)],
    ['gzip', () => Uint8Array.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff])],
    ['xz', () => Uint8Array.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3, 4, 5])],
    ['xz', () => Uint8Array.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
    ['zstd', () => zstdStored(module).subarray(0, 1000)],
    ['zstd', () => Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x08, 1, 2, 3, 4])],
  ])('reports corrupt or truncated %s data', async (kind, make) => {
    const info = await readModule(make());
    expect(info.compression).toBe(kind);
    expect(info.problems).toEqual([
      expect.stringMatching(new RegExp(`^${kind} data is corrupt or truncated: `)),
    ]);
    expect(info.modinfo).toEqual([]);
  });

  it('reports a file named .ko.xz that is too short to be anything', async () => {
    const info = await readModule(Uint8Array.of(1, 2), { fileName: 'x.ko.xz' });
    expect(info.compression).toBe('xz');
    expect(info.problems).toEqual(['file is too short to be xz data (2 bytes)']);
  });
});

describe('fzstd on hostile data', () => {
  it('stops fzstd where it would loop forever, with a corrupt-data error naming the time bound', () => {
    // A zstd frame whose Huffman weights use FSE states of 0 bits: fzstd 0.1.1 never returned
    // (found by test/kmod/fuzz-real.test.ts with FUZZ_SEED=3; the first 128 bytes of its block).
    const frame = Buffer.from(
      '28b52ffda42aef02000504008eaf05c4144ef03b126029016047d753fa79a4d7c7759a004acd5221' +
        'a1497b4811139ae8320d60089c21e9277e0bd85e7b3b5b8720877985dde6c75f3748df4ef5d37ff5' +
        '533f3527906241142ce00c92a595bd534014dd140014fb3ca31951aa475052daf98a2889a0743cde' +
        'b2fcf4bf7281db132130748090014a05282d632000000000',
      'hex',
    );
    for (const expectedSize of [undefined, 192298]) {
      const run = () =>
        unzstdBounded(frame, 2 << 20, { native: false, expectedSize, fzstdTimeoutMs: 300 });
      expect(run).toThrow(CorruptDataError);
      expect(run).toThrow('fzstd did not finish within 0.3 s (it loops on some corrupt data)');
    }
  });
});
