/**
 * The one place this package allocates byte buffers. Parsing works on views (subarrays) of the
 * input; only decompression output and the few copies handed to libraries go through here, so a
 * test can check that no allocation ever exceeds the input size or the decompression cap, whatever
 * a header claims.
 */

/** Largest single allocation requested since the last {@link resetAllocationProbe}. */
export const allocationProbe = { largest: 0, total: 0 };

/** Clears the probe (tests call this before each input). */
export function resetAllocationProbe(): void {
  allocationProbe.largest = 0;
  allocationProbe.total = 0;
}

function record(n: number): void {
  if (n > allocationProbe.largest) allocationProbe.largest = n;
  allocationProbe.total += n;
}

/** A zero-filled buffer of `n` bytes. Callers must have bounded `n` by real data, not a header. */
export function allocate(n: number): Uint8Array {
  record(n);
  return new Uint8Array(n);
}

/**
 * An uninitialised buffer of `n` bytes for I/O that fills it completely (small sizes come from
 * Node's buffer pool, so reading many small ranges stays cheap).
 */
export function allocateForRead(n: number): Uint8Array {
  record(n);
  return Buffer.allocUnsafe(n);
}

/** An independent copy of `view` (its own ArrayBuffer, exactly `view.length` bytes). */
export function copyBytes(view: Uint8Array): Uint8Array {
  record(view.length);
  return view.slice();
}

/** Joins chunks into one buffer of their total length. */
export function concatChunks(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]?.length === total) return chunks[0];
  const out = allocate(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Records an allocation made by a library on our behalf (e.g. zlib's output). */
export function recordAllocation(n: number): void {
  record(n);
}
