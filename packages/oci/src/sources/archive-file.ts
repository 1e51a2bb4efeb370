/**
 * Opens an archive file for random access: an uncompressed tar is indexed in place; a gzip or zstd
 * compressed one (`docker save | gzip`) is first decompressed into a temporary file (under
 * `RUNNER_TEMP` in actions), removed on close or when the process is interrupted. What it may
 * inflate to is capped: by the free space where it goes, and by `TALOS_KMOD_MAX_INFLATED_BYTES`.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InputError, UserError, createTempDir } from '@talos-kmod/common';
import { decompressor, sniffCompression } from '../files/decompress';
import { indexTarFile, type TarIndex } from '../tar/index-file';

/** An indexed archive and how to release it. */
export interface OpenedArchive {
  tar: TarIndex;
  close(): Promise<void>;
}

async function readHead(path: string, what: string): Promise<Buffer> {
  const fh = await open(path, 'r').catch((e: unknown) => {
    const code = (e as { code?: unknown }).code;
    throw new InputError(
      code === 'ENOENT'
        ? `${what} ${path} does not exist: check the path`
        : `cannot open ${what} ${path}: ${(e as Error).message}`,
    );
  });
  try {
    const b = Buffer.alloc(8);
    // from the current position, not byte 0: a pipe (`<(zcat …)`, a FIFO) cannot seek
    const { bytesRead } = await fh.read(b, 0, 8, null);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** At most this much is inflated to disk unless `TALOS_KMOD_MAX_INFLATED_BYTES` says otherwise. */
export const defaultMaxInflatedBytes = 64 * 1024 ** 3;
/** Free space left alone on the temporary file system. */
const reserveBytes = 512 * 1024 ** 2;

/** The cap on inflated bytes in `dir`: the configured cap, and the free space there less a reserve. */
async function inflateLimit(
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ limit: number; why: string }> {
  const configured = env.TALOS_KMOD_MAX_INFLATED_BYTES;
  let limit = defaultMaxInflatedBytes;
  let why = 'the default cap; set TALOS_KMOD_MAX_INFLATED_BYTES to change it';
  if (configured !== undefined && configured !== '') {
    const n = Number(configured);
    if (!Number.isSafeInteger(n) || n <= 0) {
      throw new UserError(
        `TALOS_KMOD_MAX_INFLATED_BYTES is '${configured}': give a positive number of bytes`,
      );
    }
    limit = n;
    why = 'TALOS_KMOD_MAX_INFLATED_BYTES';
  }
  try {
    const fs = await statfs(dir);
    const free = fs.bavail * fs.bsize - reserveBytes;
    if (free < limit) {
      limit = Math.max(0, free);
      why = `the free space in ${dir}`;
    }
  } catch {
    // no statfs here: the configured cap alone
  }
  return { limit, why };
}

/** Passes bytes through, failing once more than `limit` have passed. */
function byteCap(limit: number, fail: () => Error): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      total += chunk.length;
      if (total > limit) cb(fail());
      else cb(null, chunk);
    },
  });
}

/** Opens `path` (a tar, possibly gzip/zstd compressed) for random access. */
export async function openArchive(
  path: string,
  what: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<OpenedArchive> {
  const head = await readHead(path, what);
  const compression = sniffCompression(head);
  if (compression === 'none') {
    return { tar: await indexTarFile(path, what), close: async () => undefined };
  }
  const temp = await createTempDir('talos-kmod-archive-', env);
  const remove = () => temp.remove();
  try {
    const plain = join(temp.path, 'archive.tar');
    const { limit, why } = await inflateLimit(temp.path, env);
    await pipeline(
      createReadStream(path),
      decompressor(compression).stream,
      byteCap(
        limit,
        () =>
          new UserError(
            `${what} ${path} inflates to more than ${limit} bytes (${why}): decompress it where there is room (${compression === 'gzip' ? 'gunzip -k' : 'zstd -d'}) and pass the .tar, or give it more space`,
          ),
      ),
      createWriteStream(plain),
    );
    return {
      tar: await indexTarFile(plain, what, `${path} (${compression}-decompressed)`),
      close: remove,
    };
  } catch (e: unknown) {
    await remove();
    if (e instanceof UserError) throw e;
    throw new UserError(
      `cannot decompress ${what} ${path} (${compression}): ${(e as Error).message}`,
    );
  }
}
