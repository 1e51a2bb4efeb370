/** The two ways bounded decompression fails, shared with @talos-kmod/boot's codecs. */

/** Output (or a size a header declares) would pass the caller's cap. */
export class TooLargeError extends Error {
  override readonly name = 'TooLargeError';
  constructor(
    /** What passes the cap, e.g. `declares 1099511627776 bytes, more than`. */
    readonly detail: string,
    /** The cap in bytes. */
    readonly limit: number,
  ) {
    super(`${detail} the ${limit}-byte limit`);
  }
}

/** The compressed data is corrupt, truncated or uses something the decoder does not support. */
export class CorruptDataError extends Error {
  override readonly name = 'CorruptDataError';
}
