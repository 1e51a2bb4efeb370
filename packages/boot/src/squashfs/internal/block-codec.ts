/**
 * Decompresses one squashfs block (data, fragment or metadata): every compressor stores each block
 * on its own, gzip as a zlib stream, xz as a complete xz stream, zstd as one frame, lz4 as a raw
 * block (squashfs-tools `*_wrapper.c`). Output is capped at the block's expected size.
 */
import * as zlib from 'node:zlib';
import { Decompress, decompress as fzstdDecompress } from 'fzstd';
import * as xzModule from 'xz-decompress';
import type { SquashfsCompression } from '../types';
import { decompressLz4Block } from '../../initramfs/internal/lz4-block';
import { zstdStreamEnd } from '../../initramfs/internal/stream-ends';

/** Decompresses one block; the result is at most `maxOutput` bytes. Throws when corrupt. */
export type BlockDecoder = (input: Uint8Array, maxOutput: number) => Promise<Uint8Array>;

/** The decoder for `compression`, or a message saying why there is none. */
export function blockDecoder(compression: SquashfsCompression): BlockDecoder | string {
  switch (compression) {
    case 'gzip':
      return async (input, maxOutput) => {
        const out = zlib.inflateSync(input, { maxOutputLength: Math.max(1, maxOutput) });
        return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      };
    case 'zstd':
      return async (input, maxOutput) => unzstd(input, maxOutput);
    case 'xz':
      return unxz;
    case 'lz4':
      return async (input, maxOutput) => decompressLz4Block(input, maxOutput);
    case 'lzo':
    case 'lzma':
      return `squashfs compressed with ${compression} is not supported (no maintained decoder for Node): rebuild the image with mksquashfs -comp zstd (Talos uses zstd, or xz before 1.8)`;
  }
}

type NativeZstd = (input: Uint8Array, options: { maxOutputLength: number }) => Buffer;

function unzstd(input: Uint8Array, maxOutput: number): Uint8Array {
  const native = (zlib as { zstdDecompressSync?: NativeZstd }).zstdDecompressSync;
  if (native) {
    const out = native(input, { maxOutputLength: Math.max(1, maxOutput) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
  // fzstd sizes its buffers from the frame header: check the header against the cap first.
  const { window } = zstdStreamEnd(input, 0);
  if (window > Math.max(maxOutput, 1 << 20)) {
    throw new Error(`zstd frame declares a ${window}-byte window, more than the block allows`);
  }
  const declared = zstdContentSize(input);
  if (declared !== undefined) {
    if (declared > maxOutput) {
      throw new Error(`zstd frame declares ${declared} bytes, more than the ${maxOutput} allowed`);
    }
    // mksquashfs (ZSTD_compressCCtx) records the size: decode straight into an exact buffer.
    return fzstdDecompress(input, new Uint8Array(declared));
  }
  const chunks: Uint8Array[] = [];
  let length = 0;
  new Decompress((chunk) => {
    length += chunk.length;
    if (length > maxOutput)
      throw new Error(`zstd block decompresses to more than ${maxOutput} bytes`);
    chunks.push(chunk.slice());
  }).push(input, true);
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The content size a lone zstd frame declares (RFC 8878 §3.1.1.1.4), if it declares one. */
function zstdContentSize(input: Uint8Array): number | undefined {
  const fhd = input[4] ?? 0;
  const single = (fhd >> 5) & 1;
  const fcsBytes = [single, 2, 4, 8][fhd >> 6] ?? 0;
  if (fcsBytes === 0) return undefined;
  const at = 5 + (single ? 0 : 1) + ([0, 1, 2, 4][fhd & 3] ?? 0);
  let size = 0;
  for (let i = 0; i < fcsBytes; i++) size += (input[at + i] ?? 0) * 256 ** i;
  return fcsBytes === 2 ? size + 256 : size;
}

type XzStreamClass = new (input: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;

function xzStreamClass(): XzStreamClass {
  const mod = xzModule as unknown as {
    XzReadableStream?: XzStreamClass;
    default?: { XzReadableStream?: XzStreamClass };
  };
  const cls = mod.XzReadableStream ?? mod.default?.XzReadableStream;
  if (!cls) throw new Error('xz-decompress did not load');
  return cls;
}

async function unxz(input: Uint8Array, maxOutput: number): Promise<Uint8Array> {
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(input);
      controller.close();
    },
  });
  // xz-decompress serialises decoders with a lock that only a drained or cancelled stream frees.
  const reader = new (xzStreamClass())(source).getReader();
  const out = new Uint8Array(maxOutput);
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return out.subarray(0, length);
      if (length + value.length > maxOutput) {
        throw new Error(`xz block decompresses to more than ${maxOutput} bytes`);
      }
      out.set(value, length);
      length += value.length;
    }
  } catch (e: unknown) {
    await reader.cancel().catch(() => undefined);
    throw e instanceof Error ? e : new Error(String(e));
  }
}
