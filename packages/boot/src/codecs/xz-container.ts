/**
 * The .xz container (The .xz File Format 1.2.0): streams, blocks and the filter chain of each block.
 * xz-decompress decodes LZMA2 only, so a stream whose blocks also carry a BCJ filter is re-wrapped:
 * the same LZMA2 data in new block headers that name LZMA2 alone, with integrity check "none";
 * the BCJ filter and the original check are then applied here to the output of each block.
 */
import { crc32 } from 'node:zlib';
import { DecompressError, UnsupportedCompressionError } from './errors';

const HEADER_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const CHECK_SIZES = [0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64];

/** The filters this package decodes besides LZMA2. */
export type BcjFilter = 'x86' | 'arm64';
const BCJ_IDS: Readonly<Record<number, BcjFilter>> = { 0x04: 'x86', 0x0a: 'arm64' };
const FILTER_NAMES: Readonly<Record<number, string>> = {
  0x03: 'Delta',
  0x05: 'PowerPC BCJ',
  0x06: 'IA-64 BCJ',
  0x07: 'ARM BCJ',
  0x08: 'ARM-Thumb BCJ',
  0x09: 'SPARC BCJ',
  0x0b: 'RISC-V BCJ',
};

/** One block as the re-wrapped stream sees it. */
export interface XzBlock {
  readonly bcj?: { filter: BcjFilter; start: number };
  /** LZMA2 dictionary property byte. */
  readonly dictProp: number;
  readonly data: Uint8Array;
  readonly uncompressedSize: number;
  /** Integrity check type (0 none, 1 CRC32, 4 CRC64, 10 SHA-256) and the stored value. */
  readonly checkType: number;
  readonly check: Uint8Array;
}

function fail(message: string): never {
  throw new DecompressError(`xz data is corrupt: ${message}`);
}

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public at: number,
    readonly end: number,
  ) {}
  byte(): number {
    if (this.at >= this.end) fail(`header ends early at byte ${this.at}`);
    return this.bytes[this.at++] ?? 0;
  }
  vli(): number {
    let value = 0;
    for (let i = 0; i < 9; i++) {
      const b = this.byte();
      value += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return value;
    }
    return fail(`variable-length integer too long at byte ${this.at}`);
  }
}

function u32le(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
}

/** Whether the first block of the first stream has a filter besides LZMA2 (cheap: reads one header). */
export function firstBlockHasFilters(input: Uint8Array): boolean {
  const size = input[12];
  if (size === undefined || size === 0) return false;
  const flags = input[13] ?? 0;
  return (flags & 3) !== 0;
}

/** Reads every block of every stream, walking each stream back from its footer and index. */
export function readXzBlocks(input: Uint8Array): XzBlock[] {
  const streams: XzBlock[][] = [];
  let end = input.length;
  while (end > 0) {
    while (end >= 4 && u32le(input, end - 4) === 0) end -= 4; // stream padding
    if (end === 0) break;
    const { blocks, start } = readStream(input, end);
    streams.unshift(blocks);
    end = start;
  }
  if (streams.length === 0) fail('no xz stream found');
  return streams.flat();
}

function readStream(input: Uint8Array, end: number): { blocks: XzBlock[]; start: number } {
  if (end < 24) fail('stream is shorter than its header and footer');
  const footer = end - 12;
  if (input[footer + 10] !== 0x59 || input[footer + 11] !== 0x5a)
    fail(`no stream footer before byte ${end}`);
  if (crc32(input.subarray(footer + 4, footer + 10)) !== u32le(input, footer))
    fail('stream footer CRC32 mismatch');
  const checkType = (input[footer + 9] ?? 0) & 0x0f;
  const indexSize = (u32le(input, footer + 4) + 1) * 4;
  const indexStart = footer - indexSize;
  if (indexStart < 12) fail(`index size ${indexSize} runs before the stream`);
  if (crc32(input.subarray(indexStart, footer - 4)) !== u32le(input, footer - 4))
    fail('index CRC32 mismatch');
  const r = new Reader(input, indexStart, footer - 4);
  if (r.byte() !== 0) fail('index indicator missing');
  const count = r.vli();
  const records: { unpadded: number; uncompressed: number }[] = [];
  let blocksSize = 0;
  for (let i = 0; i < count; i++) {
    const unpadded = r.vli();
    const uncompressed = r.vli();
    records.push({ unpadded, uncompressed });
    blocksSize += Math.ceil(unpadded / 4) * 4;
  }
  const start = indexStart - blocksSize - 12;
  if (start < 0) fail('blocks run before the start of the data');
  if (!HEADER_MAGIC.every((b, i) => input[start + i] === b))
    fail(`no stream header at byte ${start}`);
  if ((input[start + 7] ?? 0) !== (input[footer + 9] ?? 0))
    fail('stream header and footer flags differ');
  const blocks: XzBlock[] = [];
  let at = start + 12;
  const checkSize = CHECK_SIZES[checkType] ?? 0;
  for (const rec of records) {
    blocks.push(readBlock(input, at, rec.unpadded, rec.uncompressed, checkType, checkSize));
    at += Math.ceil(rec.unpadded / 4) * 4;
  }
  return { blocks, start };
}

function readBlock(
  input: Uint8Array,
  at: number,
  unpadded: number,
  uncompressed: number,
  checkType: number,
  checkSize: number,
): XzBlock {
  const headerSize = ((input[at] ?? 0) + 1) * 4;
  if ((input[at] ?? 0) === 0 || at + headerSize > input.length)
    fail(`bad block header at byte ${at}`);
  if (crc32(input.subarray(at, at + headerSize - 4)) !== u32le(input, at + headerSize - 4)) {
    fail(`block header CRC32 mismatch at byte ${at}`);
  }
  const r = new Reader(input, at + 1, at + headerSize - 4);
  const flags = r.byte();
  if (flags & 0x40) r.vli();
  if (flags & 0x80) r.vli();
  let bcj: XzBlock['bcj'];
  let dictProp: number | undefined;
  for (let f = 0; f <= (flags & 3); f++) {
    const id = r.vli();
    const propsSize = r.vli();
    const props = input.subarray(r.at, r.at + propsSize);
    r.at += propsSize;
    if (r.at > r.end) fail('filter properties run past the block header');
    if (id === 0x21 && propsSize === 1) dictProp = props[0] ?? 0;
    else if (BCJ_IDS[id] && f === 0 && (propsSize === 0 || propsSize === 4)) {
      bcj = { filter: BCJ_IDS[id], start: propsSize === 4 ? u32le(props, 0) : 0 };
    } else {
      throw new UnsupportedCompressionError(
        `xz filter ${FILTER_NAMES[id] ?? `0x${id.toString(16)}`} is not supported (only LZMA2 with BCJ x86 or ARM64)`,
      );
    }
  }
  if (dictProp === undefined) fail(`block at byte ${at} has no LZMA2 filter`);
  const dataSize = unpadded - headerSize - checkSize;
  const dataStart = at + headerSize;
  if (dataSize <= 0 || dataStart + dataSize + checkSize > input.length)
    fail(`block at byte ${at} is truncated`);
  // block padding aligns header + data to four bytes; the check follows it
  const checkAt = at + Math.ceil((headerSize + dataSize) / 4) * 4;
  return {
    ...(bcj ? { bcj } : {}),
    dictProp,
    data: input.subarray(dataStart, dataStart + dataSize),
    uncompressedSize: uncompressed,
    checkType,
    check: input.subarray(checkAt, checkAt + checkSize),
  };
}

function vli(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

function le32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

/** One xz stream of `blocks` with LZMA2 alone and no integrity check, for xz-decompress. */
export function wrapLzma2Blocks(blocks: readonly XzBlock[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  const flags = [0x00, 0x00];
  parts.push(Uint8Array.from([...HEADER_MAGIC, ...flags, ...le32(crc32(Uint8Array.from(flags)))]));
  const index: number[] = [0x00, ...vli(blocks.length)];
  for (const b of blocks) {
    const head = [0x02, 0x00, 0x21, 0x01, b.dictProp, 0, 0, 0];
    parts.push(Uint8Array.from([...head, ...le32(crc32(Uint8Array.from(head)))]));
    parts.push(b.data);
    const pad = (4 - (b.data.length % 4)) % 4;
    if (pad) parts.push(new Uint8Array(pad));
    index.push(...vli(12 + b.data.length), ...vli(b.uncompressedSize));
  }
  while (index.length % 4) index.push(0);
  const indexBytes = Uint8Array.from([...index, ...le32(crc32(Uint8Array.from(index)))]);
  parts.push(indexBytes);
  const tail = [...le32(indexBytes.length / 4 - 1), ...flags];
  parts.push(Uint8Array.from([...le32(crc32(Uint8Array.from(tail))), ...tail, 0x59, 0x5a]));
  return parts;
}
