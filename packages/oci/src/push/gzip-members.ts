/**
 * The byte layout of the gzip members a layer is pushed as: each piece of the layer is one gzip
 * member (RFC 1952 §2.2), either deflated by zlib or stored, i.e. written as deflate stored
 * blocks (RFC 1951 §3.2.4) of at most 65,535 bytes each. Go's, zlib's and GNU gzip's readers read
 * a run of members as one stream. Pure functions over buffers, shared by the compression worker
 * and its tests.
 */
import { crc32, deflateRawSync } from 'node:zlib';

/** A gzip member header: deflate, no name, no time stamp, OS unknown (255), as Go writes it. */
export const gzipHeader: Readonly<Buffer> = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
/** The largest stored block (its length is a 16-bit field). */
export const storedBlockBytes = 0xffff;
/** Bytes of a member's trailer: CRC-32 and length modulo 2^32. */
const trailerBytes = 8;

/** Bytes of a stored member holding `length` bytes (an empty piece is one empty block). */
export function storedLength(length: number): number {
  return (
    gzipHeader.length +
    Math.max(1, Math.ceil(length / storedBlockBytes)) * 5 +
    length +
    trailerBytes
  );
}

/** Offset, in a stored member, of byte `p` of its piece. */
export function storedOffset(p: number): number {
  return gzipHeader.length + Math.floor(p / storedBlockBytes) * 5 + 5 + p;
}

/** Writes the 5-byte header of a stored block of `n` bytes at `at`. */
export function writeBlockHeader(out: Buffer, at: number, n: number, last: boolean): void {
  out[at] = last ? 1 : 0;
  out.writeUInt16LE(n, at + 1);
  out.writeUInt16LE(n ^ 0xffff, at + 3);
}

/** Writes the trailer of a member whose piece has this CRC-32 and length; returns its end. */
export function writeTrailer(out: Buffer, at: number, crc: number, length: number): number {
  out.writeUInt32LE(crc >>> 0, at);
  out.writeUInt32LE(length >>> 0, at + 4);
  return at + trailerBytes;
}

/** Writes `piece` into `out` as a stored member; returns the member's length. */
export function storeInto(piece: Uint8Array, out: Buffer): number {
  const blocks = Math.max(1, Math.ceil(piece.length / storedBlockBytes));
  let at = gzipHeader.copy(out, 0);
  for (let from = 0, i = 0; i < blocks; i++, from += storedBlockBytes) {
    const n = Math.min(storedBlockBytes, piece.length - from);
    writeBlockHeader(out, at, n, i === blocks - 1);
    out.set(piece.subarray(from, from + n), at + 5);
    at += 5 + n;
  }
  return writeTrailer(out, at, crc32(piece), piece.length);
}

/** Copies piece bytes [from, to) out of a stored member into `target`; returns the copy. */
export function unstore(member: Buffer, from: number, to: number, target: Buffer): Buffer {
  let t = 0;
  while (from < to) {
    const blockEnd = Math.min(to, (Math.floor(from / storedBlockBytes) + 1) * storedBlockBytes);
    const at = storedOffset(from);
    t += member.copy(target, t, at, at + (blockEnd - from));
    from = blockEnd;
  }
  return target.subarray(0, t);
}

/** Bytes sampled from a piece to decide whether deflating it is worth the time. */
export const sampleBytes = 16 * 1024;

/** Where a piece of `length` bytes is sampled (its middle), or -1 when it is too small to. */
export function sampleStart(length: number): number {
  return length < 4096 ? -1 : Math.max(0, (length >> 1) - sampleBytes / 2);
}

const counts = new Uint32Array(256);

/** Shannon entropy of the bytes, in bits per byte (8 for uniformly random bytes). */
export function byteEntropy(sample: Uint8Array): number {
  counts.fill(0);
  // an indexed loop: the iterator form took 97 ms of the 400 MB modules layer's push
  const n = sample.length;
  for (let i = 0; i < n; i++) {
    const v = sample[i] as number;
    counts[v] = (counts[v] as number) + 1;
  }
  let bits = 0;
  for (let b = 0; b < 256; b++) {
    const c = counts[b] as number;
    if (c > 0) {
      const p = c / n;
      bits -= p * Math.log2(p);
    }
  }
  return bits;
}

/**
 * Whether a sample looks incompressible: byte entropy of at least 7.95 bits (random or already
 * compressed bytes; costs microseconds), or a level-1 deflate to more than 95% of its size. Below
 * 7 bits the trial is skipped: Huffman coding of single bytes alone already gets under 7/8 of the
 * size, so the trial could only say "compressible". Only the bytes decide, so the same layer
 * always gives the same members.
 */
export function looksIncompressible(sample: Uint8Array): boolean {
  if (sample.length === 0) return false;
  const bits = byteEntropy(sample);
  if (bits >= 7.95) return true;
  if (bits < 7) return false;
  return deflateRawSync(sample, { level: 1 }).length > sample.length * 0.95;
}
