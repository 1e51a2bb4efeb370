/**
 * Gzips an uncompressed layer into a temporary file before upload, as crane and skopeo do for
 * `docker save` archives: the compressed digest must be known to skip blobs the registry has.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { throttledProgress, type ProgressEvent } from '../blob/progress';
import { digestHex } from '../reference/digest';

/** A compressed layer on disk. */
export interface CompressedLayer {
  path: string;
  digest: string;
  size: number;
  open(): Readable;
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
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  input.on('data', (c: Buffer) => progress.add(c.length));
  await pipeline(
    input,
    createGzip({ level, chunkSize: 256 * 1024 }),
    counter,
    createWriteStream(path),
  );
  progress.finish();
  const digest = `sha256:${hash.digest('hex')}`;
  return { path, digest, size, open: () => createReadStream(path, { highWaterMark: 1 << 20 }) };
}
