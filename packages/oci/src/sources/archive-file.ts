/**
 * Opens an archive file for random access: an uncompressed tar is indexed in place; a gzip or zstd
 * compressed one (`docker save | gzip`) is first decompressed into a temporary file, removed on close.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InputError, UserError } from '@talos-kmod/common';
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
    const { bytesRead } = await fh.read(b, 0, 8, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Opens `path` (a tar, possibly gzip/zstd compressed) for random access. */
export async function openArchive(path: string, what: string): Promise<OpenedArchive> {
  const head = await readHead(path, what);
  const compression = sniffCompression(head);
  if (compression === 'none') {
    return { tar: await indexTarFile(path, what), close: async () => undefined };
  }
  const dir = await mkdtemp(join(tmpdir(), 'talos-kmod-archive-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const plain = join(dir, 'archive.tar');
    await pipeline(
      createReadStream(path),
      decompressor(compression).stream,
      createWriteStream(plain),
    );
    return { tar: await indexTarFile(plain, what), close: remove };
  } catch (e: unknown) {
    await remove();
    if (e instanceof UserError) throw e;
    throw new UserError(
      `cannot decompress ${what} ${path} (${compression}): ${(e as Error).message}`,
    );
  }
}
