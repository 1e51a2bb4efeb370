import { allocateForRead } from './alloc';

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

/**
 * A {@link ByteSource} over consecutive pieces (a stream's chunks, say): a read within one piece is
 * a view of it, a read across pieces is copied into a buffer of just that range. Parsing reads a
 * few small ranges of a module, so a module that arrived in pieces is never joined whole.
 */
export function chunkedSource(chunks: readonly Uint8Array[]): ByteSource {
  const [only] = chunks;
  if (chunks.length === 1 && only) return bufferSource(only);
  const starts: number[] = [];
  let size = 0;
  for (const c of chunks) {
    starts.push(size);
    size += c.length;
  }
  return {
    size,
    read(offset, length) {
      // the last piece starting at or before `offset`
      let lo = 0;
      let hi = chunks.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] ?? 0) <= offset) lo = mid;
        else hi = mid - 1;
      }
      let from = offset - (starts[lo] ?? 0);
      const first = chunks[lo];
      if (first && from + length <= first.length) return first.subarray(from, from + length);
      const out = allocateForRead(length);
      for (let done = 0, i = lo; done < length; i++, from = 0) {
        const c = chunks[i];
        if (!c) break;
        const n = Math.min(c.length - from, length - done);
        out.set(c.subarray(from, from + n), done);
        done += n;
      }
      return out;
    },
  };
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
