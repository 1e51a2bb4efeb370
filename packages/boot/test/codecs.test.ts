/**
 * decompress() against what the real tools write: gzip, zlib, xz (plain, with the BCJ x86 and ARM64
 * filters Linux's scripts/xz_wrap.sh uses, several blocks and checks), zstd (native and fzstd),
 * lz4 (the legacy frame of `lz4 -l`, the frame format, a raw block), and the bounds.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { deflateSync } from 'node:zlib';
import {
  DecompressError,
  DecompressLimitError,
  UnsupportedCompressionError,
  decompress,
  detectCompression,
} from '@talos-kmod/boot';
import { decodeXzStream } from '@talos-kmod/kmod';
import { unzstdBounded, nativeZstd } from '../src/codecs/zstd';
import { codeLikeBytes, runTool } from './helpers/tools';

// The real tools run on every case: generous bounds for a loaded machine, never timed assertions.
jest.setTimeout(120_000);

const data = codeLikeBytes(1 << 20, 7);
const big = { maxOutput: 64 << 20 };

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b));
}

describe('decompress', () => {
  it.each([
    ['gzip', ['-9c']],
    ['xz', ['-c', '--check=crc32', '--lzma2=dict=1MiB']],
    ['xz', ['-c', '--check=crc32', '--x86', '--lzma2=dict=1MiB']],
    ['xz', ['-c', '--check=crc64', '--arm64', '--lzma2']],
    ['xz', ['-c', '--check=sha256', '--x86', '--lzma2', '--block-size=256KiB']],
    ['xz', ['-c', '--check=none', '--arm64', '--lzma2']],
    ['zstd', ['-c', '-19']],
    ['zstd', ['-c', '--no-check', '-3']],
    ['lz4', ['-c', '-l', '-9']],
    ['lz4', ['-c', '-9']],
    ['lz4', ['-c', '--content-size', '-BD', '-B4', '-BX']],
  ] as const)('decodes what `%s %s` writes, byte for byte', async (tool, args) => {
    const packed = runTool(tool, args, data);
    const kind = detectCompression(packed);
    expect(kind).toBe(tool);
    if (kind === 'none') return;
    const out = await decompress(kind, packed, { ...big, expectedSize: data.length });
    expect(same(out, data)).toBe(true);
  });

  it('decodes concatenated xz streams with BCJ and stream padding', async () => {
    const a = runTool('xz', ['-c', '--x86', '--lzma2'], data.subarray(0, 300000));
    const b = runTool('xz', ['-c', '--arm64', '--lzma2'], data.subarray(300000));
    const out = await decompress('xz', Buffer.concat([a, new Uint8Array(8), b]), big);
    expect(same(out, data)).toBe(true);
  });

  it('drives the xz decoder directly with the same output and errors as the library stream', async () => {
    const plain = runTool('xz', ['-c', '--lzma2=dict=1MiB'], data);
    const two = Buffer.concat([plain, runTool('xz', ['-c'], data.subarray(0, 1000))]);
    const decode = async (parts: Uint8Array[], viaStream: boolean) => {
      const out: Buffer[] = [];
      try {
        await decodeXzStream(parts, (c) => out.push(Buffer.from(c)), { viaStream });
        return { data: Buffer.concat(out) };
      } catch (e: unknown) {
        return { error: (e as Error).message, length: Buffer.concat(out).length };
      }
    };
    const cases: Uint8Array[][] = [
      [plain],
      [plain.subarray(0, 7), plain.subarray(7, 70000), plain.subarray(70000)],
      [two],
      [plain.subarray(0, plain.length - 40)],
      [plain.subarray(0, 24), new Uint8Array(4096)],
      [new Uint8Array(0)],
    ];
    const results = [];
    for (const parts of cases) {
      const direct = await decode(parts, false);
      expect(direct).toEqual(await decode(parts, true));
      results.push(direct);
    }
    expect(same(results[0]?.data ?? new Uint8Array(0), data)).toBe(true);
    expect(same(results[1]?.data ?? new Uint8Array(0), data)).toBe(true);
    expect(results[2]?.data?.length).toBe(data.length + 1000);
    expect(results.slice(3).map((r) => r.error)).toEqual([
      'unexpected end of input (xz error 8)',
      'corrupt data (xz error 7)',
      'unexpected end of input (xz error 8)',
    ]);
  });

  it('decodes zlib streams', async () => {
    const packed = deflateSync(data);
    expect(detectCompression(packed)).toBe('zlib');
    expect(same(await decompress('zlib', packed, big), data)).toBe(true);
  });

  it('decodes a raw lz4 block taken from an lz4 frame', async () => {
    const frame = runTool('lz4', ['-c', '-BD', '-B4', '--no-frame-crc'], data.subarray(0, 60000));
    // magic (4), FLG, BD, HC, then the first block's size
    const size = new DataView(frame.buffer, frame.byteOffset).getUint32(7, true);
    expect(size & 0x80000000).toBe(0);
    const block = frame.subarray(11, 11 + size);
    const out = await decompress('lz4-block', block, { maxOutput: 1 << 20, expectedSize: 60000 });
    expect(same(out, data.subarray(0, 60000))).toBe(true);
  });

  const zstdPacked = runTool('zstd', ['-c', '-9'], data);
  it('decodes zstd with fzstd the same as with node:zlib', () => {
    expect(same(unzstdBounded(zstdPacked, 64 << 20, undefined, false), data)).toBe(true);
    if (nativeZstd)
      expect(same(unzstdBounded(zstdPacked, 64 << 20, undefined, true), data)).toBe(true);
  });

  it.each([
    ['gzip', ['-c']],
    ['xz', ['-c', '--x86', '--lzma2']],
    ['xz', ['-c']],
    ['zstd', ['-c']],
    ['lz4', ['-c', '-l']],
    ['lz4', ['-c']],
  ] as const)('stops `%s %s` output at maxOutput and names the limit', async (tool, args) => {
    const packed = runTool(tool, args, data);
    const kind = detectCompression(packed);
    if (kind === 'none') throw new Error('not detected');
    const failure = decompress(kind, packed, { maxOutput: 100000 });
    await expect(failure).rejects.toBeInstanceOf(DecompressLimitError);
    await expect(failure).rejects.toThrow('100000-byte limit');
  });

  it('stops fzstd at maxOutput too', () => {
    expect(() => unzstdBounded(zstdPacked, 100000, undefined, false)).toThrow(DecompressLimitError);
  });

  it.each([
    ['gzip', ['-c']],
    ['xz', ['-c', '--x86', '--lzma2']],
    ['xz', ['-c']],
    ['zstd', ['-c']],
    ['lz4', ['-c', '-l']],
    ['lz4', ['-c']],
  ] as const)('fails with DecompressError on truncated `%s %s` output', async (tool, args) => {
    const packed = runTool(tool, args, data);
    const kind = detectCompression(packed);
    if (kind === 'none') throw new Error('not detected');
    const cut = packed.subarray(0, Math.floor(packed.length / 2));
    await expect(decompress(kind, cut, big)).rejects.toBeInstanceOf(DecompressError);
  });

  it.each([
    ['xz', ['-c', '--x86', '--lzma2'], 'decompresses to more than the 12 bytes expected'],
    ['xz', ['-c'], 'decompresses to more than the 12 bytes expected'],
    ['lz4', ['-c', '-l'], 'decompresses to more than the 12 bytes expected'],
    ['gzip', ['-c'], `decompressed to ${data.length} bytes, but 12 were expected`],
  ] as const)(
    'fails when `%s %s` output does not have the expected size',
    async (tool, args, message) => {
      const packed = runTool(tool, args, data);
      const kind = detectCompression(packed);
      if (kind === 'none') throw new Error('not detected');
      await expect(decompress(kind, packed, { ...big, expectedSize: 12 })).rejects.toThrow(message);
    },
  );

  it.each([
    ['xz', ['-c', '-1']],
    ['lz4', ['-c', '-l']],
  ] as const)(
    'stops a `%s %s` bomb at the expected size, long before maxOutput',
    async (tool, args) => {
      // 48 MiB of zeros that claim 1 MiB: refused after 1 MiB of output, not at the 32 MiB limit
      // (before, the output buffer doubled up to the limit first, then failed on the limit).
      const packed = runTool(tool, args, new Uint8Array(48 << 20));
      const kind = detectCompression(packed);
      if (kind === 'none') throw new Error('not detected');
      const failure = decompress(kind, packed, { maxOutput: 32 << 20, expectedSize: 1 << 20 });
      await expect(failure).rejects.not.toBeInstanceOf(DecompressLimitError);
      await expect(failure).rejects.toThrow(
        `${kind} data decompresses to more than the 1048576 bytes expected`,
      );
    },
  );

  it('checks the expected zstd size where Node decodes zstd itself', async () => {
    if (!nativeZstd) return; // fzstd writes into a buffer of the expected size (see zstd.ts)
    await expect(decompress('zstd', zstdPacked, { ...big, expectedSize: 12 })).rejects.toThrow(
      'but 12 were expected',
    );
  });

  it('fails when an xz BCJ block check does not match', async () => {
    const packed = Buffer.from(runTool('xz', ['-c', '--check=crc32', '--x86', '--lzma2'], data));
    // the CRC32 sits just before the index: flip a bit of it
    const footer = packed.length - 12;
    const indexSize = (packed.readUInt32LE(footer + 4) + 1) * 4;
    const at = footer - indexSize - 1;
    packed[at] = (packed[at] ?? 0) ^ 1;
    await expect(decompress('xz', packed, big)).rejects.toThrow('integrity check failed');
  });

  it.each([
    ['lzma', ['-c']],
    ['bzip2', ['-c']],
  ] as const)('names %s as unsupported', async (tool, args) => {
    const packed = runTool(tool, args, data.subarray(0, 4096));
    const kind = detectCompression(packed);
    expect(kind).toBe(tool);
    if (kind === 'none') return;
    const failure = decompress(kind, packed, big);
    await expect(failure).rejects.toBeInstanceOf(UnsupportedCompressionError);
    await expect(failure).rejects.toThrow(`${tool} compression is not supported`);
  });

  it('names an xz filter it cannot decode', async () => {
    const packed = runTool('xz', ['-c', '--delta=dist=4', '--lzma2'], data.subarray(0, 4096));
    await expect(decompress('xz', packed, big)).rejects.toThrow('xz filter Delta is not supported');
  });

  it('detects nothing in plain data', () => {
    expect(detectCompression(Buffer.from('070701000000'))).toBe('none');
    expect(detectCompression(new Uint8Array(0))).toBe('none');
  });
});
