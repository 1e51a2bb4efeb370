/**
 * zstd with fzstd. fzstd sizes its window buffer from the frame header, so every frame header is
 * checked first (a walk over frame and block headers that decodes nothing): windows and declared
 * content sizes above the cap are refused before any allocation, and output stops at the cap.
 */
import { Decompress } from 'fzstd';
import { concatChunks, recordAllocation } from '../alloc';
import { TooLargeError } from './xz';

const ZSTD_MAGIC = 0xfd2fb528;
const MAX_BLOCK = 128 * 1024;

/** Decompresses zstd `data` into at most `cap` bytes; throws when corrupt or too large. */
export function unzstdBounded(data: Uint8Array, cap: number): Uint8Array {
  const largestWindow = checkFrames(data, cap);
  recordAllocation(largestWindow);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const decoder = new Decompress((chunk) => {
    total += chunk.length;
    if (total > cap) throw new TooLargeError(`it decompresses to more than the ${cap}-byte limit`);
    if (chunk.length > 0) chunks.push(chunk);
  });
  decoder.push(data, true);
  return concatChunks(chunks, total);
}

/** Walks every frame's header and block headers; returns the largest window. */
function checkFrames(data: Uint8Array, cap: number): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  let largest = 0;
  while (at < data.length) {
    if (at + 8 > data.length) throw new Error(`truncated zstd frame at offset ${at}`);
    const magic = view.getUint32(at, true);
    if (magic >>> 4 === 0x184d2a5) {
      at += 8 + view.getUint32(at + 4, true); // skippable frame
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw new Error(`not a zstd frame at offset ${at}`);
    const frame = readFrameHeader(data, at + 4);
    if (frame.window > cap || frame.contentSize > cap) {
      throw new TooLargeError(
        `a zstd frame declares ${Math.max(frame.window, frame.contentSize)} bytes, more than the ${cap}-byte limit`,
      );
    }
    largest = Math.max(largest, frame.window);
    at = skipBlocks(data, frame.end, Math.min(frame.window, MAX_BLOCK));
    if (frame.checksum) at += 4;
  }
  if (at > data.length) throw new Error('zstd data is truncated');
  return largest;
}

function readFrameHeader(
  data: Uint8Array,
  at: number,
): { window: number; contentSize: number; checksum: boolean; end: number } {
  const fhd = data[at] ?? 0;
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  if (fhd & 8) throw new Error('zstd frame header has the reserved bit set');
  const dictFlag = fhd & 3;
  let p = at + 1;
  let window = 0;
  if (!single) {
    const wd = data[p++] ?? 0;
    const base = 2 ** (10 + (wd >> 3));
    window = base + (base / 8) * (wd & 7);
  }
  const dictBytes = [0, 1, 2, 4][dictFlag] ?? 0;
  let dictId = 0;
  for (let i = 0; i < dictBytes; i++) dictId += (data[p + i] ?? 0) * 256 ** i;
  if (dictId !== 0) throw new Error(`zstd frame needs dictionary ${dictId}`);
  p += dictBytes;
  const fcsBytes = [single, 2, 4, 8][fcsFlag] ?? 0;
  let contentSize = 0;
  for (let i = 0; i < fcsBytes; i++) contentSize += (data[p + i] ?? 0) * 256 ** i;
  if (fcsBytes === 2) contentSize += 256;
  p += fcsBytes;
  if (p > data.length) throw new Error('zstd frame header is truncated');
  if (single) window = contentSize;
  return { window, contentSize, checksum: ((fhd >> 2) & 1) === 1, end: p };
}

function skipBlocks(data: Uint8Array, at: number, maxBlock: number): number {
  for (;;) {
    if (at + 3 > data.length) throw new Error('zstd block header is truncated');
    const header = (data[at] ?? 0) | ((data[at + 1] ?? 0) << 8) | ((data[at + 2] ?? 0) << 16);
    const last = header & 1;
    const type = (header >> 1) & 3;
    const size = header >>> 3;
    if (type === 3) throw new Error(`reserved zstd block type at offset ${at}`);
    if (size > maxBlock) {
      throw new Error(`zstd block at offset ${at} is larger than the frame allows`);
    }
    at += 3 + (type === 1 ? 1 : size);
    if (at > data.length) throw new Error('zstd block is truncated');
    if (last) return at;
  }
}
