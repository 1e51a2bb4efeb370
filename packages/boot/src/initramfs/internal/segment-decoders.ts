/**
 * Streaming decompression of one initramfs segment: output goes to a sink chunk by chunk (the cpio
 * parser), so memory stays at the decoder's window plus the files a caller keeps, whatever the
 * segment's size. Detection follows the kernel's lib/decompress.c (two magic bytes). gzip and
 * native zstd use node:zlib streams, zstd falls back to fzstd where node:zlib has none (Node 20),
 * xz uses xz-decompress (xz-embedded, the kernel's own decoder, as WebAssembly), lz4 legacy blocks
 * go one by one through the package's one-shot `decompress` (its codecs do not stream).
 */
import * as zlib from 'node:zlib';
import { Decompress } from 'fzstd';
import { CorruptDataError, decodeXzStream } from '@talos-kmod/kmod';
import type { SegmentCompression } from '../types';
import { decompress } from '../../codecs/decompress';
import { LZ4_LEGACY_BLOCK, lz4LegacyBlocks, xzStreamEnd, zstdStreamEnd } from './stream-ends';

/** The compression the kernel would pick for a segment starting at `data[at]` (lib/decompress.c). */
export function detectSegmentCompression(
  data: Uint8Array,
  at: number,
): Exclude<SegmentCompression, 'none'> | undefined {
  const a = data[at];
  const b = data[at + 1];
  if (a === 0x1f && (b === 0x8b || b === 0x9e)) return 'gzip';
  if (a === 0x42 && b === 0x5a) return 'bzip2';
  if (a === 0x5d && b === 0x00) return 'lzma';
  if (a === 0xfd && b === 0x37) return 'xz';
  if (a === 0x89 && b === 0x4c) return 'lzo';
  if (a === 0x02 && b === 0x21) return 'lz4';
  if (a === 0x28 && b === 0xb5) return 'zstd';
  return undefined;
}

/** Receives decompressed bytes; the chunk is only valid during the call. May throw to stop. */
export type ChunkSink = (chunk: Uint8Array) => void;

/** Thrown when a segment decompresses to more than its limit. */
export class SegmentTooLargeError extends Error {
  override readonly name = 'SegmentTooLargeError';
}

/** Thrown for a compression this reader does not decode. */
export class UnsupportedSegmentError extends Error {
  override readonly name = 'UnsupportedSegmentError';
}

/** The zstd window this reader accepts (zstd's own decoder default, ZSTD_WINDOWLOG_LIMIT_DEFAULT). */
const MAX_ZSTD_WINDOW = 2 ** 27;

/**
 * Decompresses the stream of `kind` starting at `data[at]`, feeding `sink`; returns the bytes of
 * `data` it occupied. Throws on corrupt data, on output beyond `maxOutput`, or when `sink` throws.
 */
export async function decodeSegment(
  kind: Exclude<SegmentCompression, 'none'>,
  data: Uint8Array,
  at: number,
  sink: ChunkSink,
  maxOutput: number,
): Promise<number> {
  let produced = 0;
  const counted: ChunkSink = (chunk) => {
    produced += chunk.length;
    if (produced > maxOutput) {
      throw new SegmentTooLargeError(
        `it decompresses to more than the ${maxOutput}-byte limit (maxSegmentSize)`,
      );
    }
    sink(chunk);
  };
  switch (kind) {
    case 'gzip':
      return gzipMember(data, at, counted);
    case 'zstd': {
      const { length, window } = zstdStreamEnd(data, at);
      if (window > MAX_ZSTD_WINDOW) {
        throw new SegmentTooLargeError(
          `its zstd window (${window} bytes) is larger than the ${MAX_ZSTD_WINDOW}-byte limit`,
        );
      }
      const input = data.subarray(at, at + length);
      const native = (zlib as { createZstdDecompress?: () => zlib.Zlib & NodeJS.ReadWriteStream })
        .createZstdDecompress;
      if (native) await zlibStream(native(), input, counted);
      else fzstdStream(input, counted);
      return length;
    }
    case 'xz': {
      const length = xzStreamEnd(data, at);
      await xzStream(data.subarray(at, at + length), counted);
      return length;
    }
    case 'lz4': {
      const { blocks, end } = lz4LegacyBlocks(data, at);
      for (const block of blocks) {
        const bytes = data.subarray(block.start, block.end);
        counted(await decompress('lz4-block', bytes, { maxOutput: LZ4_LEGACY_BLOCK }));
      }
      return end;
    }
    default:
      throw new UnsupportedSegmentError(
        `${kind} is not supported here; the Talos and Debian tools write zstd, xz, gzip or lz4`,
      );
  }
}

/**
 * One gzip member (RFC 1952), as the kernel's gunzip reads one per segment: the header by hand,
 * the deflate data with a raw inflate stream (which stops at the end of the deflate data, where
 * Node's gunzip would go on into the next segment), then the CRC32 and size trailer checked.
 */
async function gzipMember(data: Uint8Array, at: number, sink: ChunkSink): Promise<number> {
  if (data[at + 2] !== 8) throw new Error(`gzip member uses method ${data[at + 2]}, not deflate`);
  const flags = data[at + 3] ?? 0;
  let p = at + 10;
  if (flags & 4) p += 2 + (data[p] ?? 0) + (data[p + 1] ?? 0) * 256; // FEXTRA
  const skipString = (): void => {
    const nul = data.indexOf(0, p);
    p = nul < 0 ? data.length + 1 : nul + 1;
  };
  if (flags & 8) skipString(); // FNAME
  if (flags & 16) skipString(); // FCOMMENT
  if (flags & 2) p += 2; // FHCRC
  if (p > data.length) throw new Error('gzip header is truncated');
  let crc = 0;
  let size = 0;
  const consumed = await zlibStream(
    zlib.createInflateRaw({ chunkSize: 256 * 1024 }),
    data.subarray(p),
    (chunk) => {
      crc = zlib.crc32(chunk, crc);
      size = (size + chunk.length) >>> 0;
      sink(chunk);
    },
  );
  const trailer = p + consumed;
  if (trailer + 8 > data.length) throw new Error('gzip member is truncated (no trailer)');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint32(trailer, true) !== crc >>> 0) throw new Error('gzip CRC32 does not match');
  if (view.getUint32(trailer + 4, true) !== size) throw new Error('gzip size does not match');
  return trailer + 8 - at;
}

/**
 * Runs a node:zlib decompression stream over `input`; returns the input bytes it consumed. Once it
 * settles the stream is destroyed and its listeners removed: node:zlib keeps the native handle
 * (and so the stream and its listeners) reachable after `end`, and the listeners reach `input`,
 * a view into the whole initramfs (or UKI), which would then outlive the walk.
 */
function ignoreError(): void {}

function zlibStream(
  stream: zlib.Zlib & NodeJS.ReadWriteStream,
  input: Uint8Array,
  sink: ChunkSink,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let failed = false;
    const release = (): void => {
      stream.removeAllListeners();
      // a late error must not become an uncaught 'error' event (a module-level function: a
      // closure here would hold this scope, and with it `input`, alive again)
      stream.on('error', ignoreError);
      (stream as unknown as { destroy(): void }).destroy();
    };
    stream.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        sink(chunk);
      } catch (e: unknown) {
        failed = true;
        release();
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
    stream.on('error', (e: Error) => {
      if (!failed) reject(e);
      failed = true;
      release();
    });
    stream.on('end', () => {
      if (failed) return;
      const consumed = stream.bytesWritten;
      release();
      resolve(consumed);
    });
    stream.end(input);
  });
}

function fzstdStream(input: Uint8Array, sink: ChunkSink): void {
  const decoder = new Decompress((chunk) => sink(chunk));
  const step = 1024 * 1024;
  for (let p = 0; p < input.length; p += step) {
    decoder.push(input.subarray(p, Math.min(input.length, p + step)), p + step >= input.length);
  }
}

/** One xz stream through @talos-kmod/kmod's decoder; its failures keep the decoder's reason. */
async function xzStream(input: Uint8Array, sink: ChunkSink): Promise<void> {
  try {
    await decodeXzStream([input], sink);
  } catch (e: unknown) {
    if (e instanceof CorruptDataError) throw new Error(e.message);
    throw e;
  }
}
