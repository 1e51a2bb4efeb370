/**
 * Decompresses one squashfs block (data, fragment or metadata) with the package's codecs: every
 * compressor stores each block on its own, gzip as a zlib stream, xz as a complete xz stream, zstd
 * as one frame, lz4 as a raw block (squashfs-tools `*_wrapper.c`). Output is capped at the
 * block's largest size.
 */
import { decompress } from '../../codecs/decompress';
import type { CompressionKind } from '../../codecs/detect';
import type { SquashfsCompression } from '../types';

/**
 * Decompresses one block; the result is at most `maxOutput` bytes, and exactly `expectedSize`
 * when given (data blocks know their size, which saves the decoder growing its buffer).
 * Throws when corrupt.
 */
export type BlockDecoder = (
  input: Uint8Array,
  maxOutput: number,
  expectedSize?: number,
) => Promise<Uint8Array>;

const KINDS: Partial<Record<SquashfsCompression, CompressionKind>> = {
  gzip: 'zlib',
  xz: 'xz',
  zstd: 'zstd',
  lz4: 'lz4-block',
};

/** The decoder for `compression`, or a message saying why there is none. */
export function blockDecoder(compression: SquashfsCompression): BlockDecoder | string {
  const kind = KINDS[compression];
  if (!kind) {
    return `squashfs compressed with ${compression} is not supported (no maintained decoder for Node): rebuild the image with mksquashfs -comp zstd (Talos uses zstd, or xz before 1.8)`;
  }
  return (input, maxOutput, expectedSize) =>
    decompress(
      kind,
      input,
      expectedSize === undefined ? { maxOutput } : { maxOutput, expectedSize },
    );
}
