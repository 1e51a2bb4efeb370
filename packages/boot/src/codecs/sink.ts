/**
 * Where decoders write: one buffer that grows by doubling up to the caller's limit, or that is
 * allocated once when the caller knows the exact size (the kernel stores it after the payload).
 */
import { DecompressError, limitError } from './errors';

/**
 * A growable output buffer capped at `limit` bytes. With an expected size within the limit,
 * output past it is refused at once: a payload that claims 10 MiB but inflates to gigabytes fails
 * there, not after growing to the limit (each doubling briefly holding twice the bytes).
 */
export class OutputSink {
  private buf: Uint8Array;
  private readonly expected: number | undefined;
  length = 0;

  constructor(
    private readonly kind: string,
    private readonly limit: number,
    expectedSize?: number,
  ) {
    this.expected = expectedSize !== undefined && expectedSize <= limit ? expectedSize : undefined;
    const initial = this.expected ?? Math.min(limit, 1 << 16);
    this.buf = new Uint8Array(Math.max(initial, 0));
  }

  /** Makes room for `n` more bytes; throws the limit error past the cap. */
  reserve(n: number): Uint8Array {
    const need = this.length + n;
    if (need > this.limit) throw limitError(this.kind, this.limit);
    if (this.expected !== undefined && need > this.expected) {
      throw new DecompressError(
        `${this.kind} data decompresses to more than the ${this.expected} bytes expected (the size its container states)`,
      );
    }
    if (need > this.buf.length) {
      let size = Math.max(this.buf.length * 2, 1 << 16);
      while (size < need) size *= 2;
      const next = new Uint8Array(Math.min(size, this.limit));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    return this.buf;
  }

  /** Appends `chunk`. */
  push(chunk: Uint8Array): void {
    this.reserve(chunk.length).set(chunk, this.length);
    this.length += chunk.length;
  }

  /** The bytes written; checks them against an expected size when one was given. */
  finish(expectedSize?: number): Uint8Array {
    if (expectedSize !== undefined && expectedSize !== this.length) {
      throw new DecompressError(
        `${this.kind} data decompressed to ${this.length} bytes, but ${expectedSize} were expected`,
      );
    }
    return this.length === this.buf.length ? this.buf : this.buf.subarray(0, this.length);
  }
}
