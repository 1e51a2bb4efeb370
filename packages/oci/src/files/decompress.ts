/**
 * Layer decompression by content (magic bytes), not by media type: gzip via zlib, zstd via node's
 * zlib when it has it (Node ≥ 22.15) and otherwise the pure-JS fzstd, uncompressed as is.
 */
import { Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { Decompress } from 'fzstd';

/** Compression of a stream, from its first bytes. */
export type Compression = 'gzip' | 'zstd' | 'none';

/** Looks at the first bytes: `1f 8b` gzip, `28 b5 2f fd` zstd, anything else uncompressed. */
export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

function fzstdTransform(): Transform {
  const out: { push(b: Buffer): void } = { push: () => undefined };
  const decoder = new Decompress((data) => {
    out.push(Buffer.from(data.buffer, data.byteOffset, data.length));
  });
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      try {
        decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
        cb();
      } catch (e: unknown) {
        cb(e as Error);
      }
    },
    flush(cb: TransformCallback) {
      try {
        decoder.push(new Uint8Array(0), true);
        cb();
      } catch (e: unknown) {
        cb(e as Error);
      }
    },
  });
  out.push = (b) => t.push(b);
  return t;
}

/** A decompressor, and whether it is done with each input chunk once that write's callback runs. */
export interface Decompressor {
  stream: Transform;
  /** True for node's zlib (it reads input only while processing it); false for fzstd. */
  consumesInputOnWrite: boolean;
}

/** A decompressing transform for `compression` (a pass-through for `none`). */
export function decompressor(compression: Compression): Decompressor {
  if (compression === 'gzip') {
    return {
      stream: zlib.createGunzip({ chunkSize: 1024 * 1024 }),
      consumesInputOnWrite: true,
    };
  }
  if (compression === 'zstd') {
    const native = (zlib as unknown as { createZstdDecompress?: () => Transform })
      .createZstdDecompress;
    return native
      ? { stream: native(), consumesInputOnWrite: true }
      : { stream: fzstdTransform(), consumesInputOnWrite: false };
  }
  return {
    stream: new Transform({
      transform(chunk: Buffer, _enc, cb: TransformCallback) {
        cb(null, chunk);
      },
    }),
    consumesInputOnWrite: false,
  };
}
