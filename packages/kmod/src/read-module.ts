import type { Compression, ModuleInfo, ModuleSummary, ReadModuleOptions } from './types';
import { concatChunks } from './internal/alloc';
import { compressionFromName, detectCompression } from './internal/compression/detect';
import {
  DEFAULT_MAX_DECOMPRESSED_SIZE,
  decompressBounded,
} from './internal/compression/decompress';
import { inspectSource, summarizeSource } from './internal/inspect';
import { bufferSource, chunkedSource } from './internal/source';
import { bufferFeed, piecesFeed, type ContentFeed } from './internal/verify/judge-signature';

/** The verification part of the inspect options, when certificates were given. */
function verifyWith(options: ReadModuleOptions, feed: () => ContentFeed) {
  return options.certificates
    ? {
        verify: {
          certificates: options.certificates,
          ...(options.revokedCertificates ? { revoked: options.revokedCertificates } : {}),
          feed: feed(),
        },
      }
    : {};
}

/**
 * Reads a module that may be compressed (`.ko`, `.ko.xz`, `.ko.zst`, `.ko.gz`): detects the
 * compression by its magic bytes (the file name is only a hint for messages), decompresses within
 * `maxDecompressedSize`, then inspects it like {@link inspectModule}. Never rejects: problems,
 * including decompression failures, are listed in the result.
 */
export async function readModule(
  data: Uint8Array,
  options: ReadModuleOptions = {},
): Promise<ModuleInfo> {
  const result = await decompressModule(data, options);
  if ('problem' in result) return failed(options, result.compression, result.problem);
  return inspectSource(bufferSource(result.data), {
    ...(options.fileName !== undefined ? { fileName: options.fileName } : {}),
    compression: result.compression,
    ...verifyWith(options, () => bufferFeed(result.data)),
  }).info;
}

/**
 * Reads what a module is, like {@link readModule} without the full `.modinfo` list and symbol
 * versions (see {@link ModuleSummary}): the lighter read that checking a whole kernel's modules
 * needs. `content` may be the pieces the module arrived in (a stream's chunks): an uncompressed
 * module is then read from them in place, never joined; a compressed one is joined and
 * decompressed. The result may hold views into `content` (the signature bytes). With
 * `certificates`, the signature is verified by hashing the pieces in place. Never rejects.
 */
export async function readModuleSummary(
  content: Uint8Array | readonly Uint8Array[],
  options: ReadModuleOptions = {},
): Promise<ModuleSummary> {
  const inspect = { ...(options.fileName !== undefined ? { fileName: options.fileName } : {}) };
  const pieces = content instanceof Uint8Array ? [content] : content;
  const total = pieces.reduce((n, p) => n + p.length, 0);
  const first = pieces[0];
  // Magics are at most 6 bytes long; tiny files and short first pieces take the joined path below.
  if (first && first.length >= 6 && total >= 16 && detectCompression(first) === 'none') {
    return summarizeSource(chunkedSource(pieces), {
      ...inspect,
      ...verifyWith(options, () => piecesFeed(pieces)),
    });
  }
  const result = await decompressModule(concatChunks(pieces, total), options);
  if ('problem' in result) return failed(options, result.compression, result.problem);
  return summarizeSource(bufferSource(result.data), {
    ...inspect,
    compression: result.compression,
    ...verifyWith(options, () => bufferFeed(result.data)),
  });
}

/**
 * The uncompressed bytes of a module (the input itself when it is not compressed), bounded by
 * `maxDecompressedSize` (default 512 MiB). Never rejects.
 */
export async function decompressModule(
  data: Uint8Array,
  options: ReadModuleOptions = {},
): Promise<
  { compression: Compression; data: Uint8Array } | { compression: Compression; problem: string }
> {
  const compression = detectCompression(data);
  if (compression === 'none') {
    const hinted = compressionFromName(options.fileName);
    if (hinted !== 'none' && data.length < 16) {
      return {
        compression: hinted,
        problem: `file is too short to be ${hinted} data (${data.length} bytes)`,
      };
    }
    return { compression, data };
  }
  const cap = options.maxDecompressedSize ?? DEFAULT_MAX_DECOMPRESSED_SIZE;
  const out = await decompressBounded(data, compression, cap);
  return 'data' in out ? { compression, data: out.data } : { compression, problem: out.problem };
}

function failed(options: ReadModuleOptions, compression: Compression, problem: string): ModuleInfo {
  const fileName = options.fileName;
  return {
    ...(fileName !== undefined ? { fileName } : {}),
    ...(options.certificates
      ? {
          verification: {
            verdict: 'unsupported' as const,
            reason: `the module cannot be read, so its signature cannot be checked: ${problem}`,
          },
        }
      : {}),
    compression,
    size: 0,
    modinfo: [],
    depends: [],
    firmware: [],
    intree: false,
    versions: [],
    signed: false,
    problems: [problem],
  };
}
