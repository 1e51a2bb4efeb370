/**
 * Where a compressed stream inside the initramfs ends, found from its framing alone (nothing is
 * decoded): the next segment starts there. gzip reports its own end (zlib's consumed count); zstd
 * frames and xz streams are walked here; lz4 legacy has no end marker and is bounded by its blocks.
 */

import { crc32 } from 'node:zlib';
import { CorruptDataError, zstdFrameAt } from '@talos-kmod/kmod';

const ZSTD_MAGIC = 0xfd2fb528;

/** Thrown when a stream's framing is corrupt or truncated. */
export class StreamFramingError extends Error {
  override readonly name = 'StreamFramingError';
}

/**
 * The length of the zstd frame starting at `at` (after any skippable frames), and the window it
 * declares. The kernel's lib/decompress_unzstd.c decodes one frame per call, so a second frame is
 * the next segment. Throws {@link StreamFramingError}.
 */
export function zstdStreamEnd(data: Uint8Array, at: number): { length: number; window: number } {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let p = at;
  let frames = 0;
  let window = 0;
  while (p + 4 <= data.length) {
    const magic = view.getUint32(p, true);
    if (magic >>> 4 === 0x184d2a5) {
      if (p + 8 > data.length) throw new StreamFramingError('truncated zstd skippable frame');
      p += 8 + view.getUint32(p + 4, true);
      continue;
    }
    if (magic !== ZSTD_MAGIC) break;
    const frame = zstdFrameEnd(data, p + 4);
    p = frame.end;
    window = frame.window;
    frames++;
    break;
  }
  if (frames === 0) throw new StreamFramingError(`no zstd frame at offset ${at}`);
  if (p > data.length) throw new StreamFramingError('zstd data is truncated');
  return { length: p - at, window };
}

function zstdFrameEnd(data: Uint8Array, at: number): { end: number; window: number } {
  try {
    return zstdFrameAt(data, at);
  } catch (e: unknown) {
    if (e instanceof CorruptDataError) throw new StreamFramingError(e.message);
    throw e;
  }
}

const XZ_HEADER_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];

/**
 * The end (exclusive, relative to `at`) of the xz stream starting at `at`: the first stream footer
 * (`YZ` at a 4-byte boundary of the stream) whose CRC32 and flags check out (xz file format 1.1.0
 * §2.1.2). Throws {@link StreamFramingError} when there is none.
 */
export function xzStreamEnd(data: Uint8Array, at: number): number {
  if (at + 24 > data.length || XZ_HEADER_MAGIC.some((b, i) => data[at + i] !== b)) {
    throw new StreamFramingError(`no xz stream header at offset ${at}`);
  }
  const flags0 = data[at + 6];
  const flags1 = data[at + 7];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  // The footer is 12 bytes: CRC32, backward size, flags (2), "YZ"; it ends 4-aligned.
  let from = at + 12 + 8 + 2;
  for (;;) {
    const y = data.indexOf(0x59, from);
    if (y < 0 || y + 2 > data.length) break;
    from = y + 1;
    if (data[y + 1] !== 0x5a || (y + 2 - at) % 4 !== 0) continue;
    const footer = y + 2 - 12;
    if (data[footer + 8] !== flags0 || data[footer + 9] !== flags1) continue;
    if (crc32(data.subarray(footer + 4, footer + 10)) !== view.getUint32(footer, true)) continue;
    return y + 2 - at;
  }
  throw new StreamFramingError(`the xz stream at offset ${at} has no footer (truncated?)`);
}

/** lz4 legacy frame magic (lz4 -l), as the kernel's lib/decompress_unlz4.c reads it. */
export const LZ4_LEGACY_MAGIC = 0x184c2102;
/** Uncompressed size of each lz4 legacy block but the last (8 MiB). */
export const LZ4_LEGACY_BLOCK = 8 * 1024 * 1024;
/** LZ4_compressBound(8 MiB): no genuine legacy block is larger. */
export const LZ4_LEGACY_MAX_CHUNK = LZ4_LEGACY_BLOCK + Math.floor(LZ4_LEGACY_BLOCK / 255) + 16;

/**
 * The lz4 legacy blocks starting at `at` (the magic): each is a u32 LE size and that many bytes,
 * and a repeated magic continues the run. The format has no end marker: the kernel's
 * lib/decompress_unlz4.c reads blocks until the initramfs ends, so an lz4 archive must come last.
 * Zero bytes to the very end are taken as padding; anything else that is not a block is an error
 * here, as it is for the kernel.
 */
export function lz4LegacyBlocks(
  data: Uint8Array,
  at: number,
): { blocks: { start: number; end: number }[]; end: number } {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (at + 4 > data.length || view.getUint32(at, true) !== LZ4_LEGACY_MAGIC) {
    throw new StreamFramingError(`no lz4 legacy magic at offset ${at}`);
  }
  const blocks: { start: number; end: number }[] = [];
  let p = at + 4;
  while (p < data.length) {
    if (p + 4 > data.length || view.getUint32(p, true) === 0) {
      if (data.subarray(p).every((b) => b === 0)) return { blocks, end: data.length - at };
    }
    if (p + 4 > data.length)
      throw new StreamFramingError(`lz4 data ends inside a block size at ${p}`);
    const size = view.getUint32(p, true);
    if (size === LZ4_LEGACY_MAGIC) {
      p += 4;
      continue;
    }
    if (size === 0 || size > LZ4_LEGACY_MAX_CHUNK) {
      throw new StreamFramingError(
        `the bytes at offset ${p} are not an lz4 block (size ${size}); the kernel's unlz4 reads lz4 blocks up to the end of the initramfs, so an lz4-compressed archive must be the last one`,
      );
    }
    if (p + 4 + size > data.length) throw new StreamFramingError('lz4 block is truncated');
    blocks.push({ start: p + 4, end: p + 4 + size });
    p += 4 + size;
  }
  return { blocks, end: p - at };
}
