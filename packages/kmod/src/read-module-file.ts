import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { UserError } from '@talos-kmod/common';
import type { ModuleInfo, ReadModuleOptions } from './types';
import { allocateForRead, copyBytes } from './internal/alloc';
import { detectCompression } from './internal/compression/detect';
import { inspectSource } from './internal/inspect';
import type { ByteSource } from './internal/source';
import type { ContentFeed } from './internal/verify/judge-signature';
import { readModule } from './read-module';

const HEAD = 4096;
const TAIL = 8 * 1024;
const FEED = 1024 * 1024;

/**
 * Reads a module file like {@link readModule}. An uncompressed module is not read whole: only its
 * ELF header, section headers, `.modinfo`, `__versions` and signature are read, which is what makes
 * inspecting a whole kernel's modules fast (with `certificates`, the whole file is hashed in 1 MiB
 * reads). Compressed modules are read whole and decompressed.
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
    const head = readInto(fd, scratch.head, 0, Math.min(HEAD, size));
    if (detectCompression(head) !== 'none' || size <= HEAD + TAIL) {
      const whole = size <= head.length ? copyBytes(head) : readFileSync(fd);
      return await readModule(whole, { ...options, fileName });
    }
    const tail = readInto(fd, scratch.tail, size - TAIL, TAIL);
    const src = fileSource(fd, size, head, tail);
    const info = inspectSource(src, {
      fileName,
      compression: 'none',
      ...(options.certificates
        ? {
            verify: {
              certificates: options.certificates,
              ...(options.revokedCertificates ? { revoked: options.revokedCertificates } : {}),
              feed: fileFeed(fd),
            },
          }
        : {}),
    }).info;
    // The head and tail buffers are reused by the next call: keep a copy of the signature bytes.
    if (info.signature) info.signature.signature = copyBytes(info.signature.signature);
    return info;
  } catch (e: unknown) {
    if (e instanceof UserError) throw e;
    throw ioError(path, e);
  } finally {
    closeSync(fd);
  }
}

/**
 * Head and tail buffers shared by successive calls (the uncompressed path reads, parses and
 * returns without yielding, so calls never overlap on them); this keeps allocation and GC low
 * when a kernel's thousand modules are read in a row.
 */
const scratch: { head: Uint8Array; tail: Uint8Array; feed?: Uint8Array } = {
  head: new Uint8Array(HEAD),
  tail: new Uint8Array(TAIL),
};

/** Serves reads from the head and tail of the file, and reads other ranges on demand. */
function fileSource(fd: number, size: number, head: Uint8Array, tail: Uint8Array): ByteSource {
  const tailStart = size - TAIL;
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

/** Feeds the file from its start in 1 MiB reads into one reused buffer (verification hashes it). */
function fileFeed(fd: number): ContentFeed {
  return (length, sink) => {
    scratch.feed ??= new Uint8Array(FEED);
    for (let at = 0; at < length; at += FEED) {
      sink(readInto(fd, scratch.feed, at, Math.min(FEED, length - at)));
    }
  };
}

function readRange(fd: number, offset: number, length: number): Uint8Array {
  return readInto(fd, allocateForRead(length), offset, length);
}

function readInto(fd: number, buf: Uint8Array, offset: number, length: number): Uint8Array {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, offset + done);
    if (n === 0) throw new Error(`unexpected end of file at offset ${offset + done}`);
    done += n;
  }
  return buf.subarray(0, length);
}

function ioError(path: string, e: unknown): UserError {
  const code = (e as { code?: unknown }).code;
  const why = e instanceof Error ? e.message : String(e);
  return new UserError(
    `cannot read module file ${path}: ${typeof code === 'string' ? code : why}; check the path and permissions`,
    { cause: e },
  );
}
