/**
 * Gzips an uncompressed layer, as crane and skopeo do for `docker save` archives.
 *
 * The layer is cut into 1 MiB pieces, each written as its own gzip member (a multi-member gzip
 * file, RFC 1952 §2.2, which Go's, zlib's and GNU gzip's readers all read as one stream). That
 * lets pieces compress in parallel on the thread pool, and lets pieces that do not shrink
 * (already compressed files, random bytes) be stored instead of spending deflate time on them, as
 * Go's compressors used by skopeo do. Stored members are written here (5-byte block headers,
 * RFC 1951 §3.2.4, a copy and a CRC-32) rather than by zlib, whose level 0 is several times
 * slower and whose block sizes depend on its output buffer. Piece boundaries and decisions depend
 * only on the bytes, so the output, and with it the digest, is the same on every push.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { crc32, deflateRawSync, gzip } from 'node:zlib';
import { throttledProgress, type ProgressEvent } from '../blob/progress';
import { digestHex } from '../reference/digest';

/** A compressed layer on disk. */
export interface CompressedLayer {
  path: string;
  digest: string;
  size: number;
  open(): Readable;
}

const pieceBytes = 1024 * 1024;
const sampleBytes = 16 * 1024;
const inFlight = 3;
const gzipAsync = promisify(gzip) as (
  data: Buffer,
  options: { level: number; chunkSize: number },
) => Promise<Buffer>;

/** True when a sample of `piece` barely shrinks at level 1 (random or already compressed). */
export function looksIncompressible(piece: Buffer): boolean {
  if (piece.length < 4096) return false;
  const start = Math.max(0, (piece.length >> 1) - sampleBytes / 2);
  const sample = piece.subarray(start, start + sampleBytes);
  return deflateRawSync(sample, { level: 1 }).length > sample.length * 0.95;
}

/** Exactly `size`-byte pieces of a stream (the last may be shorter). */
async function* piecesOf(input: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let filled = 0;
  for await (const chunk of input) {
    let data = chunk as Buffer;
    while (data.length > 0) {
      const n = Math.min(size - filled, data.length);
      parts.push(data.subarray(0, n));
      filled += n;
      data = data.subarray(n);
      if (filled === size) {
        yield parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
        parts = [];
        filled = 0;
      }
    }
  }
  if (filled > 0) yield Buffer.concat(parts, filled);
}

const gzipHeader = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
const maxStoredBlock = 0xffff;

/** `piece` as one gzip member of stored (uncompressed) deflate blocks, in one buffer. */
export function storedMember(piece: Buffer): Buffer {
  const blocks = Math.max(1, Math.ceil(piece.length / maxStoredBlock));
  const out = Buffer.allocUnsafe(gzipHeader.length + blocks * 5 + piece.length + 8);
  let at = gzipHeader.copy(out, 0);
  for (let from = 0, i = 0; i < blocks; i++, from += maxStoredBlock) {
    const n = Math.min(maxStoredBlock, piece.length - from);
    out[at] = i === blocks - 1 ? 1 : 0;
    out.writeUInt16LE(n, at + 1);
    out.writeUInt16LE(n ^ 0xffff, at + 3);
    at += 5 + piece.copy(out, at + 5, from, from + n);
  }
  out.writeUInt32LE(crc32(piece), at);
  out.writeUInt32LE(piece.length >>> 0, at + 4);
  return out;
}

/** One gzip member for `piece`: deflated on the thread pool, or stored when it would not shrink. */
async function member(piece: Buffer, level: number): Promise<Buffer> {
  if (level === 0 || looksIncompressible(piece)) return storedMember(piece);
  return gzipAsync(piece, { level, chunkSize: piece.length + 1024 });
}

/** The gzip members of `input`, in order, with up to three pieces in flight. */
export async function* gzipMembers(input: Readable, level: number): AsyncGenerator<Buffer> {
  const queue: Promise<Buffer>[] = [];
  try {
    let any = false;
    for await (const piece of piecesOf(input, pieceBytes)) {
      any = true;
      queue.push(member(piece, level));
      if (queue.length >= inFlight) yield await (queue.shift() as Promise<Buffer>);
    }
    if (!any) queue.push(member(Buffer.alloc(0), level));
    while (queue.length > 0) yield await (queue.shift() as Promise<Buffer>);
  } finally {
    await Promise.allSettled(queue);
    input.destroy();
  }
}

/** Compresses `input` (already verified against `sourceDigest`) into `dir`. */
export async function gzipToFile(
  input: Readable,
  dir: string,
  sourceDigest: string,
  level: number,
  onProgress?: (e: ProgressEvent) => void,
): Promise<CompressedLayer> {
  const path = join(dir, `${digestHex(sourceDigest)}.tar.gz`);
  const hash = createHash('sha256');
  let size = 0;
  const progress = throttledProgress(onProgress, { operation: 'compress', digest: sourceDigest });
  const out = createWriteStream(path);
  const closed = new Promise<void>((resolve, reject) => {
    out.on('close', resolve);
    out.on('error', reject);
  });
  try {
    for await (const member of gzipMembers(input, level)) {
      hash.update(member);
      size += member.length;
      progress.add(member.length);
      if (!out.write(member)) await new Promise<void>((r) => out.once('drain', r));
    }
  } catch (e: unknown) {
    out.destroy();
    throw e;
  }
  out.end();
  await closed;
  progress.finish();
  const digest = `sha256:${hash.digest('hex')}`;
  return { path, digest, size, open: () => createReadStream(path, { highWaterMark: 1 << 20 }) };
}
