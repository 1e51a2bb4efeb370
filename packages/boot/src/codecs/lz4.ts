/**
 * lz4, written here because no maintained pure-JS decoder bounds its output: the block format
 * (lz4 docs/lz4_Block_format.md), the legacy frame the kernel's `lz4 -l` writes (magic 0x184C2102,
 * then blocks of at most 8 MiB each preceded by their u32 LE compressed size), and the lz4 frame
 * format (magic 0x184D2204, lz4 docs/lz4_Frame_format.md; checksums are not verified). Blocks are
 * decoded into one continuous output so linked frame blocks can refer back to earlier ones.
 */
import { DecompressError } from './errors';
import { OutputSink } from './sink';

const LEGACY_MAGIC = 0x184c2102;
const FRAME_MAGIC = 0x184d2204;
const LEGACY_BLOCK_MAX = 8 << 20;

/** Decodes one raw lz4 block of `input[start, end)` onto the end of `sink`. */
export function decodeLz4Block(
  input: Uint8Array,
  start: number,
  end: number,
  sink: OutputSink,
): void {
  let ip = start;
  const base = sink.length;
  for (;;) {
    if (ip >= end) throw new DecompressError(`lz4 block is truncated at byte ${ip}`);
    const token = input[ip++] ?? 0;
    let literals = token >>> 4;
    if (literals === 15) {
      for (;;) {
        if (ip >= end) throw new DecompressError('lz4 literal length is truncated');
        const b = input[ip++] ?? 0;
        literals += b;
        if (b !== 255) break;
      }
    }
    if (ip + literals > end)
      throw new DecompressError(`lz4 literals run past the block at byte ${ip}`);
    const out = sink.reserve(literals);
    out.set(input.subarray(ip, ip + literals), sink.length);
    sink.length += literals;
    ip += literals;
    if (ip === end) return; // the last sequence has literals only
    if (ip + 2 > end) throw new DecompressError('lz4 match offset is truncated');
    const offset = (input[ip] ?? 0) | ((input[ip + 1] ?? 0) << 8);
    ip += 2;
    let matchLength = (token & 15) + 4;
    if ((token & 15) === 15) {
      for (;;) {
        if (ip >= end) throw new DecompressError('lz4 match length is truncated');
        const b = input[ip++] ?? 0;
        matchLength += b;
        if (b !== 255) break;
      }
    }
    if (offset === 0 || offset > sink.length) {
      throw new DecompressError(
        `lz4 match offset ${offset} points before the output (block at output byte ${base})`,
      );
    }
    const dst = sink.reserve(matchLength);
    let op = sink.length;
    let from = op - offset;
    if (offset >= matchLength) {
      dst.copyWithin(op, from, from + matchLength);
    } else {
      for (let i = 0; i < matchLength; i++) dst[op++] = dst[from++] ?? 0;
    }
    sink.length += matchLength;
  }
}

function u32(input: Uint8Array, at: number): number {
  return (
    ((input[at] ?? 0) | ((input[at + 1] ?? 0) << 8) | ((input[at + 2] ?? 0) << 16)) +
    (input[at + 3] ?? 0) * 0x1000000
  );
}

/** Decodes a raw lz4 block (squashfs stores these) into at most `limit` bytes. */
export function unlz4BlockBounded(
  input: Uint8Array,
  limit: number,
  expectedSize?: number,
): Uint8Array {
  const sink = new OutputSink('lz4', limit, expectedSize);
  decodeLz4Block(input, 0, input.length, sink);
  return sink.finish(expectedSize);
}

/** Decodes lz4 legacy or frame-format data (frames may be concatenated) into at most `limit` bytes. */
export function unlz4Bounded(input: Uint8Array, limit: number, expectedSize?: number): Uint8Array {
  const sink = new OutputSink('lz4', limit, expectedSize);
  let at = 0;
  while (at < input.length) {
    if (at + 4 > input.length) throw new DecompressError(`lz4 data is truncated at byte ${at}`);
    const magic = u32(input, at);
    if (magic === LEGACY_MAGIC) at = decodeLegacy(input, at + 4, sink);
    else if (magic === FRAME_MAGIC) at = decodeFrame(input, at + 4, sink);
    else if (magic >>> 4 === 0x184d2a5)
      at += 8 + u32(input, at + 4); // skippable frame
    else if (at > 0 && input.subarray(at).every((b) => b === 0))
      break; // zero padding
    else throw new DecompressError(`not an lz4 frame at byte ${at} (magic ${magic.toString(16)})`);
  }
  if (at > input.length) throw new DecompressError('lz4 data is truncated');
  return sink.finish();
}

/** Legacy frame: blocks until the input ends or another magic starts (as lib/decompress_unlz4.c). */
function decodeLegacy(input: Uint8Array, at: number, sink: OutputSink): number {
  while (at + 4 <= input.length) {
    const size = u32(input, at);
    if (size === LEGACY_MAGIC || size === FRAME_MAGIC) return at;
    if (size === 0) return input.subarray(at).every((b) => b === 0) ? input.length : at;
    if (size > LEGACY_BLOCK_MAX + (LEGACY_BLOCK_MAX >>> 7) + 16) {
      throw new DecompressError(`lz4 legacy block at byte ${at} claims ${size} bytes`);
    }
    at += 4;
    if (at + size > input.length)
      throw new DecompressError(`lz4 block at byte ${at - 4} is truncated`);
    decodeLz4Block(input, at, at + size, sink);
    at += size;
  }
  if (at !== input.length) throw new DecompressError('lz4 legacy frame is truncated');
  return at;
}

const FRAME_BLOCK_MAX = [0, 0, 0, 0, 64 << 10, 256 << 10, 1 << 20, 4 << 20];

function decodeFrame(input: Uint8Array, at: number, sink: OutputSink): number {
  if (at + 3 > input.length) throw new DecompressError('lz4 frame header is truncated');
  const flg = input[at] ?? 0;
  const bd = input[at + 1] ?? 0;
  if (flg >> 6 !== 1) throw new DecompressError(`lz4 frame version ${flg >> 6} is not supported`);
  const blockMax = FRAME_BLOCK_MAX[(bd >> 4) & 7] ?? 0;
  if (blockMax === 0) throw new DecompressError('lz4 frame has an invalid block size');
  const blockChecksum = (flg & 0x10) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  at += 2 + ((flg & 0x08) !== 0 ? 8 : 0) + ((flg & 0x01) !== 0 ? 4 : 0) + 1;
  for (;;) {
    if (at + 4 > input.length) throw new DecompressError('lz4 frame is truncated');
    const word = u32(input, at);
    at += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (size > blockMax)
      throw new DecompressError(`lz4 block at byte ${at - 4} is larger than its frame allows`);
    if (at + size > input.length)
      throw new DecompressError(`lz4 block at byte ${at - 4} is truncated`);
    if (word & 0x80000000) sink.push(input.subarray(at, at + size));
    else decodeLz4Block(input, at, at + size, sink);
    at += size + (blockChecksum ? 4 : 0);
  }
  return at + (contentChecksum ? 4 : 0);
}
