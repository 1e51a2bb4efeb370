import type { Compression, ModuleInfo, ReadModuleOptions } from './types';
import { compressionFromName, detectCompression } from './internal/compression/detect';
import {
  DEFAULT_MAX_DECOMPRESSED_SIZE,
  decompressBounded,
} from './internal/compression/decompress';
import { inspectSource } from './internal/inspect';
import { bufferSource } from './internal/source';

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
  if ('problem' in result) return failed(options.fileName, result.compression, result.problem);
  return inspectSource(bufferSource(result.data), {
    ...(options.fileName !== undefined ? { fileName: options.fileName } : {}),
    compression: result.compression,
  }).info;
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

function failed(
  fileName: string | undefined,
  compression: Compression,
  problem: string,
): ModuleInfo {
  return {
    ...(fileName !== undefined ? { fileName } : {}),
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
