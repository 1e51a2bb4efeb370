/**
 * One entry point for every compression a kernel image, an initramfs segment or a squashfs block
 * uses. Output is bounded by `maxOutput`: passing it is a {@link DecompressLimitError} naming the
 * limit. Corrupt data is a {@link DecompressError}; lzma, bzip2 and lzo are an
 * {@link UnsupportedCompressionError} (no maintained pure-JS decoder for them).
 */
import type { CompressionKind } from './detect';
import { DecompressError, UnsupportedCompressionError } from './errors';
import { unlz4BlockBounded, unlz4Bounded } from './lz4';
import { unxzBounded } from './xz';
import { inflateBounded } from './zlib';
import { unzstdBounded } from './zstd';

/** Bounds for {@link decompress}. */
export interface DecompressOptions {
  /** Largest output accepted, in bytes. */
  readonly maxOutput: number;
  /**
   * The exact output size when the container states it (the kernel appends it to its payload;
   * squashfs knows its block size). The output is allocated once and must match it.
   */
  readonly expectedSize?: number;
}

/** Decompresses `input` compressed with `kind`; see {@link DecompressOptions} for the bounds. */
export async function decompress(
  kind: CompressionKind,
  input: Uint8Array,
  options: DecompressOptions,
): Promise<Uint8Array> {
  const { maxOutput: limit, expectedSize } = options;
  const out = await decode(kind, input, limit, expectedSize);
  if (expectedSize !== undefined && out.length !== expectedSize) {
    throw new DecompressError(
      `${kind} data decompressed to ${out.length} bytes, but ${expectedSize} were expected`,
    );
  }
  return out;
}

async function decode(
  kind: CompressionKind,
  input: Uint8Array,
  limit: number,
  expectedSize: number | undefined,
): Promise<Uint8Array> {
  switch (kind) {
    case 'gzip':
    case 'zlib':
      return inflateBounded(kind, input, limit);
    case 'zstd':
      return unzstdBounded(input, limit, expectedSize);
    case 'xz':
      return unxzBounded(input, limit, expectedSize);
    case 'lz4':
      return unlz4Bounded(input, limit, expectedSize);
    case 'lz4-block':
      return unlz4BlockBounded(input, limit, expectedSize);
    case 'lzma':
    case 'bzip2':
    case 'lzo':
      throw new UnsupportedCompressionError(
        `${kind} compression is not supported (gzip, zlib, xz, zstd and lz4 are); recompress the data with one of those`,
      );
  }
}
