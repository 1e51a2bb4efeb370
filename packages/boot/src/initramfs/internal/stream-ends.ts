/**
 * Where a compressed stream inside the initramfs ends, found from its framing alone (nothing is
 * decoded): the next segment starts there. gzip reports its own end (zlib's consumed count); zstd
 * frames and xz streams are walked here; lz4 legacy has no end marker and is bounded by its blocks.
 */

const ZSTD_MAGIC = 0xfd2fb528;
/** zstd's largest block (RFC 8878 §3.1.1.2.3: Block_Maximum_Size is at most 128 KiB). */
const ZSTD_MAX_BLOCK = 128 * 1024;

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
  const fhd = data[at];
  if (fhd === undefined) throw new StreamFramingError('truncated zstd frame header');
  if (fhd & 8) throw new StreamFramingError('zstd frame header has its reserved bit set');
  const single = (fhd >> 5) & 1;
  const fcsBytes = [single, 2, 4, 8][fhd >> 6] ?? 0;
  const dictBytes = [0, 1, 2, 4][fhd & 3] ?? 0;
  let window = 0;
  if (single) {
    for (let i = 0; i < fcsBytes; i++) window += (data[at + 1 + dictBytes + i] ?? 0) * 256 ** i;
    if (fcsBytes === 2) window += 256;
  } else {
    const wd = data[at + 1] ?? 0;
    const base = 2 ** (10 + (wd >> 3));
    window = base + (base / 8) * (wd & 7);
  }
  let p = at + 1 + (single ? 0 : 1) + dictBytes + fcsBytes;
  for (;;) {
    if (p + 3 > data.length) throw new StreamFramingError('zstd block header is truncated');
    const header = (data[p] ?? 0) | ((data[p + 1] ?? 0) << 8) | ((data[p + 2] ?? 0) << 16);
    const type = (header >> 1) & 3;
    const size = header >>> 3;
    if (type === 3) throw new StreamFramingError(`reserved zstd block type at offset ${p}`);
    if (size > ZSTD_MAX_BLOCK) {
      throw new StreamFramingError(`zstd block at offset ${p} is larger than 128 KiB`);
    }
    p += 3 + (type === 1 ? 1 : size);
    if (header & 1) break;
  }
  if ((fhd >> 2) & 1) p += 4; // content checksum
  if (p > data.length) throw new StreamFramingError('zstd frame is truncated');
  return { end: p, window };
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

let crcTable: Uint32Array | undefined;

function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of bytes) c = (crcTable[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
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
