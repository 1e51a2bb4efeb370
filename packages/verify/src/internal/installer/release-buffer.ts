/**
 * Frees a large buffer's memory at once instead of when the garbage collector gets to it. A UKI is
 * one buffer of 100 MB or more; once its initramfs has been walked, dropping the last reference
 * leaves it in memory until a full collection, which does not come before the next large
 * allocation (the kernel, decompressed: ~66 MB). Detaching its ArrayBuffer (`transfer(0)`, ES2024,
 * Node ≥ 22) frees the backing store right away.
 */

/** `ArrayBuffer.prototype.transfer`, where this Node has it (not on Node 20). */
type Transferable = ArrayBuffer & { transfer?: (length?: number) => ArrayBuffer };

/**
 * True when {@link releaseBuffer} can free `bytes`: this Node can detach an ArrayBuffer, and
 * `bytes` is the whole of its own (never a view into a shared pool or a larger buffer).
 */
export function canReleaseBuffer(bytes: Uint8Array): boolean {
  const buffer = bytes.buffer as Transferable;
  return (
    buffer instanceof ArrayBuffer &&
    typeof buffer.transfer === 'function' &&
    bytes.byteOffset === 0 &&
    bytes.byteLength === buffer.byteLength &&
    bytes.byteLength > 0
  );
}

/**
 * Frees `bytes`' memory now (see {@link canReleaseBuffer}); every view into it reads as empty from
 * then on. Returns false, doing nothing, where it cannot.
 */
export function releaseBuffer(bytes: Uint8Array): boolean {
  if (!canReleaseBuffer(bytes)) return false;
  (bytes.buffer as Transferable).transfer?.(0);
  return true;
}

/** A copy of `bytes` when it is a view into `buffer`, else `bytes` itself. */
export function ownedCopy(bytes: Uint8Array, buffer: ArrayBufferLike): Uint8Array {
  return bytes.buffer === buffer ? new Uint8Array(bytes) : bytes;
}
