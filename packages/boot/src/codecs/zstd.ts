/**
 * zstd through @talos-kmod/kmod's bounded decoder (node:zlib's where Node has one, else fzstd;
 * every frame header walked before anything is allocated), with its failures as this package's
 * decompression errors.
 */
import { CorruptDataError, TooLargeError, unzstdBounded as kmodUnzstd } from '@talos-kmod/kmod';
import { DecompressError, limitError } from './errors';

export { nativeZstd } from '@talos-kmod/kmod';

/**
 * Decompresses zstd frames (skippable frames allowed) into at most `limit` bytes. With
 * `expectedSize` the output is allocated once at that size (the kernel appends it to its payload;
 * squashfs knows its block size). `useNative` false forces fzstd.
 */
export function unzstdBounded(
  input: Uint8Array,
  limit: number,
  expectedSize?: number,
  useNative?: boolean,
): Uint8Array {
  try {
    return kmodUnzstd(input, limit, { expectedSize, native: useNative });
  } catch (e: unknown) {
    if (e instanceof TooLargeError) throw limitError('zstd', e.limit, e.detail);
    if (e instanceof CorruptDataError) {
      throw new DecompressError(`zstd data is corrupt or truncated: ${e.message}`);
    }
    throw e;
  }
}
