/** Why a decompression failed, as types a caller can catch and tell apart. */

/** Corrupt or truncated compressed data (and the base class of the other decompression errors). */
export class DecompressError extends Error {
  override readonly name: string = 'DecompressError';
}

/** A compression this package cannot decode (lzma, bzip2, lzo, an xz filter other than BCJ x86/ARM64). */
export class UnsupportedCompressionError extends DecompressError {
  override readonly name: string = 'UnsupportedCompressionError';
}

/** The output would pass the caller's `maxOutput` limit; the message names the limit. */
export class DecompressLimitError extends DecompressError {
  override readonly name: string = 'DecompressLimitError';
  constructor(
    message: string,
    /** The limit in bytes that was reached. */
    readonly limit: number,
  ) {
    super(message);
  }
}

/** The error message for output past `limit` bytes. */
export function limitError(kind: string, limit: number, detail?: string): DecompressLimitError {
  return new DecompressLimitError(
    `${kind} data ${detail ?? 'decompresses to more than'} the ${limit}-byte limit (maxOutput); raise the limit if the input is genuine`,
    limit,
  );
}
