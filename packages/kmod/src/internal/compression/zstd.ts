/**
 * zstd: Node's own decoder where it has one (node:zlib zstdDecompressSync, Node ≥ 22.15, what
 * actions run on), else fzstd. Every frame and block header is walked first (RFC 8878 §3.1; a
 * walk that decodes nothing), so truncation, windows and declared content sizes past the cap fail
 * before anything is allocated, and output stops at the cap. fzstd streaming allocates the
 * frame's window (`zstd -22 --ultra` from a pipe, as the kernel build runs it, declares 128 MiB);
 * when the caller knows the exact output size fzstd decodes straight into one buffer of that size
 * instead, using it as the window. fzstd cannot report how much it wrote there (and copies a few
 * bytes past the end of its matches when it has room), so on that path a stream shorter or longer
 * than announced goes unnoticed: the kernel's own decompressor trusts the same size field. Node's
 * decoder checks it. The frame walk and the decoder are also what @talos-kmod/boot uses.
 */
import { createContext, runInContext } from 'node:vm';
import * as zlib from 'node:zlib';
import { Decompress, decompress as fzstdInto } from 'fzstd';
import { allocate, concatChunks, recordAllocation } from '../alloc';
import { CorruptDataError, TooLargeError } from './errors';

const ZSTD_MAGIC = 0xfd2fb528;
/** zstd's largest block (RFC 8878 §3.1.1.2.3: Block_Maximum_Size is at most 128 KiB). */
const MAX_BLOCK = 128 * 1024;

type NativeZstd = (
  input: Uint8Array,
  options: { maxOutputLength: number; chunkSize: number },
) => Buffer;

/** node:zlib's zstd decoder when this Node has one. */
export const nativeZstd: NativeZstd | undefined = (
  zlib as unknown as { zstdDecompressSync?: NativeZstd }
).zstdDecompressSync;

/**
 * Output chunk for node:zlib's zstd. With chunks smaller than the output, libzstd decodes through
 * its own window buffer (128 MiB for the kernel's `-22 --ultra`) and copies out: 66 MB took 4–6 s
 * that way against 1.6 s in one chunk. So: the whole output when its size is known (+1 so the end
 * is seen in one call), else a guess from the input size within the cap.
 */
function nativeChunkSize(inputLength: number, cap: number, expectedSize?: number): number {
  const size = expectedSize !== undefined ? expectedSize + 1 : inputLength * 4;
  return Math.max(64 * 1024, Math.min(size, cap + 1, 256 * 1024 * 1024));
}

/** How {@link unzstdBounded} decodes. */
export interface UnzstdOptions {
  /** The exact output size when the container states it; no separate window is allocated then. */
  readonly expectedSize?: number;
  /** Use node:zlib's decoder (default: when this Node has one); false forces fzstd. */
  readonly native?: boolean;
  /** fzstd's time bound in milliseconds (default: see {@link withinTime}). */
  readonly fzstdTimeoutMs?: number;
}

/**
 * Decompresses zstd frames (skippable frames allowed) into at most `cap` bytes. Throws a
 * {@link TooLargeError} past the cap and a {@link CorruptDataError} for anything malformed.
 */
export function unzstdBounded(
  data: Uint8Array,
  cap: number,
  options: UnzstdOptions = {},
): Uint8Array {
  const { expectedSize, native = nativeZstd !== undefined, fzstdTimeoutMs } = options;
  const ms = fzstdTimeoutMs ?? 10_000 + Math.ceil(cap / (1 << 20)) * 50;
  const largestWindow = checkZstdFrames(data, cap, expectedSize);
  if (native && nativeZstd) {
    let out: Buffer;
    try {
      out = nativeZstd(data, {
        maxOutputLength: Math.max(1, cap),
        chunkSize: nativeChunkSize(data.length, cap, expectedSize),
      });
    } catch (e: unknown) {
      if ((e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new TooLargeError('decompresses to more than', cap);
      }
      throw new CorruptDataError(messageOf(e));
    }
    recordAllocation(out.length);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
  if (expectedSize !== undefined && expectedSize <= cap) {
    const out = allocate(expectedSize);
    try {
      withinTime(ms, () => fzstdInto(data, out));
    } catch (e: unknown) {
      if (e instanceof CorruptDataError) throw e;
      throw new CorruptDataError(messageOf(e));
    }
    return out;
  }
  recordAllocation(largestWindow);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const decoder = new Decompress((chunk) => {
    total += chunk.length;
    if (total > cap) throw new TooLargeError('decompresses to more than', cap);
    if (chunk.length > 0) chunks.push(chunk);
  });
  try {
    withinTime(ms, () => decoder.push(data, true));
  } catch (e: unknown) {
    if (e instanceof TooLargeError || e instanceof CorruptDataError) throw e;
    throw new CorruptDataError(messageOf(e));
  }
  return concatChunks(chunks, total);
}

const watchdog = createContext({ run: undefined as (() => unknown) | undefined });

/**
 * Runs an fzstd call under a time bound: fzstd 0.1.1 loops forever on some corrupt Huffman
 * headers (its `rhu` reads weights with FSE states of 0 bits, which never move the read position,
 * e.g. a 140-byte frame found by test/kmod/fuzz-real.test.ts). A vm timeout interrupts synchronous
 * code, whichever realm its functions come from. The bound (10 s plus 50 ms per MiB of the cap) is
 * far above fzstd's time for real data even on a loaded machine.
 */
function withinTime(ms: number, run: () => unknown): void {
  watchdog.run = run;
  try {
    runInContext('run()', watchdog, { timeout: ms });
  } catch (e: unknown) {
    if ((e as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new CorruptDataError(
        `fzstd did not finish within ${ms / 1000} s (it loops on some corrupt data): the data is corrupt`,
      );
    }
    throw e;
  } finally {
    watchdog.run = undefined;
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Walks every frame's header and block headers; returns the largest window. With `expectedSize`
 * the output buffer serves as the window, so only declared content sizes count against `cap`.
 */
function checkZstdFrames(data: Uint8Array, cap: number, expectedSize?: number): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  let largest = 0;
  while (at < data.length) {
    if (at + 8 > data.length) throw new CorruptDataError(`truncated zstd frame at offset ${at}`);
    const magic = view.getUint32(at, true);
    if (magic >>> 4 === 0x184d2a5) {
      at += 8 + view.getUint32(at + 4, true); // skippable frame
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw new CorruptDataError(`not a zstd frame at offset ${at}`);
    const frame = zstdFrameAt(data, at + 4);
    const window = expectedSize !== undefined ? 0 : frame.window;
    if (window > cap || frame.contentSize > cap) {
      throw new TooLargeError(
        `declares ${Math.max(window, frame.contentSize)} bytes, more than`,
        cap,
      );
    }
    largest = Math.max(largest, window);
    at = frame.end;
  }
  if (at > data.length) throw new CorruptDataError('zstd data is truncated');
  return largest;
}

/** A zstd frame as its header and block headers describe it (nothing is decoded). */
export interface ZstdFrame {
  /** Window_Size (for a single-segment frame, its content size). */
  readonly window: number;
  /** Frame_Content_Size, 0 when the header does not state it. */
  readonly contentSize: number;
  /** Offset just past the frame (its last block and content checksum); may pass the data's end. */
  readonly end: number;
}

/**
 * The zstd frame whose header starts at `at` (just after the magic number): its header fields and
 * where it ends, found by walking its block headers (RFC 8878 §3.1.1). Throws a
 * {@link CorruptDataError} for a reserved bit or block type, a dictionary id, a block larger than
 * the frame allows, or headers past the end of `data`; the caller checks `end` against its data.
 */
export function zstdFrameAt(data: Uint8Array, at: number): ZstdFrame {
  const fhd = data[at];
  if (fhd === undefined) throw new CorruptDataError('zstd frame header is truncated');
  const single = (fhd >> 5) & 1;
  if (fhd & 8) throw new CorruptDataError('zstd frame header has the reserved bit set');
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
  if (dictId !== 0) {
    throw new CorruptDataError(`zstd frame needs dictionary ${dictId}, which is not available`);
  }
  p += dictBytes;
  const fcsBytes = [single, 2, 4, 8][fhd >> 6] ?? 0;
  let contentSize = 0;
  for (let i = 0; i < fcsBytes; i++) contentSize += (data[p + i] ?? 0) * 256 ** i;
  if (fcsBytes === 2) contentSize += 256;
  p += fcsBytes;
  if (p > data.length) throw new CorruptDataError('zstd frame header is truncated');
  if (single) window = contentSize;
  const maxBlock = Math.min(Math.max(window, 1), MAX_BLOCK);
  for (;;) {
    if (p + 3 > data.length) throw new CorruptDataError('zstd block header is truncated');
    const header = (data[p] ?? 0) | ((data[p + 1] ?? 0) << 8) | ((data[p + 2] ?? 0) << 16);
    const type = (header >> 1) & 3;
    const size = header >>> 3;
    if (type === 3) throw new CorruptDataError(`reserved zstd block type at offset ${p}`);
    if (size > maxBlock) {
      throw new CorruptDataError(`zstd block at offset ${p} is larger than its frame allows`);
    }
    p += 3 + (type === 1 ? 1 : size);
    if (p > data.length) throw new CorruptDataError('zstd block is truncated');
    if (header & 1) break;
  }
  if ((fhd >> 2) & 1) p += 4; // content checksum
  return { window, contentSize, end: p };
}
