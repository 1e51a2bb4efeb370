/**
 * xz through @talos-kmod/kmod's stream decoder (xz-decompress: xz-embedded compiled to WebAssembly,
 * loaded the same under jest and in an esbuild bundle). That build decodes LZMA2 only; blocks that
 * also carry the BCJ filter the kernel's xz payloads use are re-wrapped and filtered here
 * (xz-container.ts, bcj.ts), and their integrity checks verified here.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { CorruptDataError, decodeXzStream } from '@talos-kmod/kmod';
import { decodeBcjArm64, decodeBcjX86 } from './bcj';
import { DecompressError, limitError } from './errors';
import { OutputSink } from './sink';
import { firstBlockHasFilters, readXzBlocks, wrapLzma2Blocks, type XzBlock } from './xz-container';

/** Streams `parts` through @talos-kmod/kmod's xz decoder into `sink`, stopping at its limit. */
async function decodeInto(parts: readonly Uint8Array[], sink: OutputSink): Promise<void> {
  try {
    await decodeXzStream(parts, (chunk) => sink.push(chunk));
  } catch (e: unknown) {
    if (e instanceof CorruptDataError) {
      throw new DecompressError(`xz data is corrupt or truncated: ${e.message}`);
    }
    throw e;
  }
}

/** Decompresses xz `input` (one or more streams) into at most `limit` bytes. */
export async function unxzBounded(
  input: Uint8Array,
  limit: number,
  expectedSize?: number,
): Promise<Uint8Array> {
  const sink = new OutputSink('xz', limit, expectedSize);
  if (!firstBlockHasFilters(input)) {
    await decodeInto([input], sink);
    return sink.finish();
  }
  const blocks = readXzBlocks(input);
  const total = blocks.reduce((n, b) => n + b.uncompressedSize, 0);
  if (total > limit) throw limitError('xz', limit, `declares ${total} bytes, more than`);
  await decodeInto(wrapLzma2Blocks(blocks), sink);
  const out = sink.finish(total);
  let at = 0;
  for (const b of blocks) {
    const part = out.subarray(at, at + b.uncompressedSize);
    if (b.bcj?.filter === 'x86') decodeBcjX86(part, b.bcj.start);
    else if (b.bcj?.filter === 'arm64') decodeBcjArm64(part, b.bcj.start);
    verifyCheck(b, part, at);
    at += b.uncompressedSize;
  }
  return out;
}

function verifyCheck(block: XzBlock, data: Uint8Array, offset: number): void {
  let actual: Uint8Array | undefined;
  if (block.checkType === 1) {
    const c = crc32(data);
    actual = Uint8Array.of(c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24);
  } else if (block.checkType === 4) {
    actual = crc64(data);
  } else if (block.checkType === 10) {
    actual = createHash('sha256').update(data).digest();
  }
  if (actual && !actual.every((b, i) => b === block.check[i])) {
    throw new DecompressError(
      `xz data is corrupt: integrity check failed for the block at output byte ${offset}`,
    );
  }
}

let crc64Table: { lo: Uint32Array; hi: Uint32Array } | undefined;

/** CRC-64/XZ (ECMA-182 polynomial, reflected), little-endian bytes. */
function crc64(data: Uint8Array): Uint8Array {
  if (!crc64Table) {
    const lo = new Uint32Array(256);
    const hi = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let l = n;
      let h = 0;
      for (let k = 0; k < 8; k++) {
        const bit = l & 1;
        l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
        h >>>= 1;
        if (bit) {
          l = (l ^ 0xd7870f42) >>> 0;
          h = (h ^ 0xc96c5795) >>> 0;
        }
      }
      lo[n] = l;
      hi[n] = h;
    }
    crc64Table = { lo, hi };
  }
  const { lo, hi } = crc64Table;
  let l = 0xffffffff;
  let h = 0xffffffff;
  for (const byte of data) {
    const i = (l ^ byte) & 0xff;
    l = ((lo[i] ?? 0) ^ ((l >>> 8) | (h << 24))) >>> 0;
    h = ((hi[i] ?? 0) ^ (h >>> 8)) >>> 0;
  }
  l = ~l >>> 0;
  h = ~h >>> 0;
  return Uint8Array.of(l, l >>> 8, l >>> 16, l >>> 24, h, h >>> 8, h >>> 16, h >>> 24);
}
