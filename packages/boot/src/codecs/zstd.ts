/**
 * zstd: Node's own decoder where it has one (node:zlib zstdDecompressSync, Node ≥ 22.15, what
 * actions run on), else fzstd. Every frame and block header is walked first (decoding nothing) so
 * truncation and declared sizes past the limit fail before anything is allocated. fzstd streaming
 * allocates the frame's window (`zstd -22 --ultra` from a pipe, as the kernel build runs it,
 * declares 128 MiB); when the caller knows the exact output size fzstd decodes straight into one
 * buffer of that size instead, using it as the window. fzstd cannot report how much it wrote
 * there (and copies a few bytes past the end of its matches when it has room), so on that path a
 * stream shorter or longer than announced goes unnoticed: the kernel's own decompressor trusts the
 * same size field. Node's decoder checks it.
 */
import * as zlib from 'node:zlib';
import { Decompress, decompress as fzstdInto } from 'fzstd';
import { DecompressError, limitError } from './errors';
import { OutputSink } from './sink';

const ZSTD_MAGIC = 0xfd2fb528;
const MAX_BLOCK = 128 * 1024;

type NativeZstd = (
  input: Uint8Array,
  options: { maxOutputLength: number; chunkSize: number },
) => Buffer;

/**
 * Output chunk for node:zlib's zstd. With chunks smaller than the output, libzstd decodes through
 * its own window buffer (128 MiB for the kernel's `-22 --ultra`) and copies out: 66 MB took 4–6 s
 * that way against 1.6 s in one chunk. So: the whole output when its size is known (+1 so the end
 * is seen in one call), else a guess from the input size within the limit.
 */
function nativeChunkSize(inputLength: number, limit: number, expectedSize?: number): number {
  const size = expectedSize !== undefined ? expectedSize + 1 : inputLength * 4;
  return Math.max(64 * 1024, Math.min(size, limit + 1, 256 * 1024 * 1024));
}

/** node:zlib's zstd decoder when this Node has one. */
export const nativeZstd: NativeZstd | undefined = (
  zlib as unknown as { zstdDecompressSync?: NativeZstd }
).zstdDecompressSync;

/** Decompresses zstd frames (skippable frames allowed) into at most `limit` bytes. */
export function unzstdBounded(
  input: Uint8Array,
  limit: number,
  expectedSize?: number,
  useNative = nativeZstd !== undefined,
): Uint8Array {
  checkFrames(input, limit, expectedSize);
  if (useNative && nativeZstd) {
    try {
      const out = nativeZstd(input, {
        maxOutputLength: Math.max(1, limit),
        chunkSize: nativeChunkSize(input.length, limit, expectedSize),
      });
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (e: unknown) {
      if ((e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE')
        throw limitError('zstd', limit);
      throw new DecompressError(`zstd data is corrupt or truncated: ${messageOf(e)}`);
    }
  }
  if (expectedSize !== undefined && expectedSize <= limit) return unzstdInto(input, expectedSize);
  const sink = new OutputSink('zstd', limit, expectedSize);
  const decoder = new Decompress((chunk) => sink.push(chunk));
  try {
    decoder.push(input, true);
  } catch (e: unknown) {
    if (e instanceof DecompressError) throw e;
    throw new DecompressError(`zstd data is corrupt or truncated: ${messageOf(e)}`);
  }
  return sink.finish();
}

/** fzstd straight into one `expectedSize` buffer (it also serves as the window). */
function unzstdInto(input: Uint8Array, expectedSize: number): Uint8Array {
  const out = new Uint8Array(expectedSize);
  try {
    fzstdInto(input, out);
  } catch (e: unknown) {
    throw new DecompressError(`zstd data is corrupt or truncated: ${messageOf(e)}`);
  }
  return out;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Walks every frame's header and block headers (RFC 8878 §3.1); throws on anything out of bounds. */
function checkFrames(data: Uint8Array, limit: number, expectedSize?: number): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  while (at < data.length) {
    if (at + 8 > data.length) throw new DecompressError(`zstd data is truncated at byte ${at}`);
    const magic = view.getUint32(at, true);
    if (magic >>> 4 === 0x184d2a5) {
      at += 8 + view.getUint32(at + 4, true); // skippable frame
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw new DecompressError(`not a zstd frame at byte ${at}`);
    const frame = readFrameHeader(data, at + 4);
    // with a known output size no separate window is allocated, so only the content counts
    const window = expectedSize !== undefined ? 0 : frame.window;
    if (window > limit || frame.contentSize > limit) {
      throw limitError(
        'zstd',
        limit,
        `declares ${Math.max(window, frame.contentSize)} bytes, more than`,
      );
    }
    at = skipBlocks(data, frame.end, Math.min(Math.max(frame.window, 1), MAX_BLOCK));
    if (frame.checksum) at += 4;
  }
  if (at > data.length) throw new DecompressError('zstd data is truncated');
}

function readFrameHeader(
  data: Uint8Array,
  at: number,
): { window: number; contentSize: number; checksum: boolean; end: number } {
  const fhd = data[at] ?? 0;
  const single = (fhd >> 5) & 1;
  if (fhd & 8) throw new DecompressError('zstd frame header has the reserved bit set');
  let p = at + 1;
  let window = 0;
  if (!single) {
    const wd = data[p++] ?? 0;
    const base = 2 ** (10 + (wd >> 3));
    window = base + (base / 8) * (wd & 7);
  }
  const dictBytes = [0, 1, 2, 4][fhd & 3] ?? 0;
  let dictId = 0;
  for (let i = 0; i < dictBytes; i++) dictId += (data[p + i] ?? 0) * 256 ** i;
  if (dictId !== 0) throw new UnsupportedDictionary(dictId);
  p += dictBytes;
  const fcsBytes = [single, 2, 4, 8][fhd >> 6] ?? 0;
  let contentSize = 0;
  for (let i = 0; i < fcsBytes; i++) contentSize += (data[p + i] ?? 0) * 256 ** i;
  if (fcsBytes === 2) contentSize += 256;
  p += fcsBytes;
  if (p > data.length) throw new DecompressError('zstd frame header is truncated');
  if (single) window = contentSize;
  return { window, contentSize, checksum: ((fhd >> 2) & 1) === 1, end: p };
}

class UnsupportedDictionary extends DecompressError {
  constructor(id: number) {
    super(`zstd frame needs dictionary ${id}, which is not available`);
  }
}

function skipBlocks(data: Uint8Array, at: number, maxBlock: number): number {
  for (;;) {
    if (at + 3 > data.length) throw new DecompressError('zstd block header is truncated');
    const header = (data[at] ?? 0) | ((data[at + 1] ?? 0) << 8) | ((data[at + 2] ?? 0) << 16);
    const type = (header >> 1) & 3;
    const size = header >>> 3;
    if (type === 3) throw new DecompressError(`reserved zstd block type at byte ${at}`);
    if (size > maxBlock) {
      throw new DecompressError(`zstd block at byte ${at} is larger than its frame allows`);
    }
    at += 3 + (type === 1 ? 1 : size);
    if (at > data.length) throw new DecompressError('zstd block is truncated');
    if (header & 1) return at;
  }
}
