import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { UserError } from '@talos-kmod/common';
import type { ModuleInfo, ReadModuleOptions } from './types';
import { allocate } from './internal/alloc';
import { detectCompression } from './internal/compression/detect';
import { inspectSource } from './internal/inspect';
import type { ByteSource } from './internal/source';
import { readModule } from './read-module';

const HEAD = 4096;
const TAIL = 16 * 1024;

/**
 * Reads a module file like {@link readModule}. An uncompressed module is not read whole: only its
 * ELF header, section headers, `.modinfo`, `__versions` and signature are read, which is what makes
 * inspecting a whole kernel's modules fast. Compressed modules are read whole and decompressed.
 * Rejects with a UserError only when the file cannot be opened or read; problems with its content
 * are listed in the result.
 */
export async function readModuleFile(
  path: string,
  options: ReadModuleOptions = {},
): Promise<ModuleInfo> {
  const fileName = options.fileName ?? path;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e: unknown) {
    throw ioError(path, e);
  }
  try {
    const size = fstatSync(fd).size;
    const head = readRange(fd, 0, Math.min(HEAD, size));
    if (detectCompression(head) !== 'none' || size <= HEAD + TAIL) {
      return await readModule(size <= head.length ? head : readFileSync(fd), {
        ...options,
        fileName,
      });
    }
    return inspectSource(fileSource(fd, size, head), { fileName, compression: 'none' }).info;
  } catch (e: unknown) {
    if (e instanceof UserError) throw e;
    throw ioError(path, e);
  } finally {
    closeSync(fd);
  }
}

/** Serves reads from the cached head and tail of the file, and reads other ranges on demand. */
function fileSource(fd: number, size: number, head: Uint8Array): ByteSource {
  const tailStart = size - TAIL;
  const tail = readRange(fd, tailStart, TAIL);
  return {
    size,
    read(offset, length) {
      if (offset + length <= head.length) return head.subarray(offset, offset + length);
      if (offset >= tailStart)
        return tail.subarray(offset - tailStart, offset - tailStart + length);
      return readRange(fd, offset, length);
    },
  };
}

function readRange(fd: number, offset: number, length: number): Uint8Array {
  const buf = allocate(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, offset + done);
    if (n === 0) throw new Error(`unexpected end of file at offset ${offset + done}`);
    done += n;
  }
  return buf;
}

function ioError(path: string, e: unknown): UserError {
  const code = (e as { code?: unknown }).code;
  const why = e instanceof Error ? e.message : String(e);
  return new UserError(
    `cannot read module file ${path}: ${typeof code === 'string' ? code : why}; check the path and permissions`,
    { cause: e },
  );
}
