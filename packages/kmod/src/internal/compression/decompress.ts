/** Decompresses a module by its magic, bounded by a size cap; failures become messages. */
import type { Compression } from '../../types';
import { gunzipBounded } from './gzip';
import { TooLargeError } from './errors';
import { unxzBounded } from './xz';
import { unzstdBounded } from './zstd';

/** Default cap on a decompressed module: far above any real module (amdgpu is ~30 MiB). */
export const DEFAULT_MAX_DECOMPRESSED_SIZE = 512 * 1024 * 1024;

/** The decompressed bytes, or why they could not be had. */
export type DecompressResult = { data: Uint8Array } | { problem: string };

/** Decompresses `data` compressed with `kind`, never producing more than `cap` bytes. */
export async function decompressBounded(
  data: Uint8Array,
  kind: Exclude<Compression, 'none'>,
  cap: number,
): Promise<DecompressResult> {
  try {
    switch (kind) {
      case 'gzip':
        return { data: gunzipBounded(data, cap) };
      case 'xz':
        return { data: await unxzBounded(data, cap) };
      case 'zstd':
        return { data: unzstdBounded(data, cap) };
    }
  } catch (e: unknown) {
    const message = e instanceof Error ? e.message : String(e);
    const tooLarge =
      e instanceof TooLargeError
        ? `it ${message}`
        : (e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE'
          ? message
          : undefined;
    if (tooLarge !== undefined) {
      return {
        problem: `${kind} data is too large to inspect: ${tooLarge}; raise maxDecompressedSize if the module is genuine`,
      };
    }
    return { problem: `${kind} data is corrupt or truncated: ${message}` };
  }
}
