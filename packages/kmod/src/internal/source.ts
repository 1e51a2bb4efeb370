/**
 * Random access to a module's bytes. Parsing reads only the ranges it needs (ELF header, section
 * headers, `.modinfo`, `__versions`, the signature at the end), so a file can be inspected without
 * reading it whole; an in-memory module is just a view.
 */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Bytes `[offset, offset + length)`; callers guarantee the range lies within `size`. */
  read(offset: number, length: number): Uint8Array;
}

/** A {@link ByteSource} over bytes already in memory (reads are subarrays, never copies). */
export function bufferSource(data: Uint8Array): ByteSource {
  return { size: data.length, read: (offset, length) => data.subarray(offset, offset + length) };
}

/** True when `[offset, offset + length)` lies within `size` (all values finite, non-negative). */
export function inBounds(size: number, offset: number, length: number): boolean {
  return (
    Number.isSafeInteger(offset) &&
    Number.isSafeInteger(length) &&
    offset >= 0 &&
    length >= 0 &&
    offset + length <= size
  );
}
