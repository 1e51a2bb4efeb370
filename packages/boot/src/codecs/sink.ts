/**
 * Where decoders write: one buffer that grows up to the caller's limit, or that is allocated once
 * when the caller knows the exact size (the kernel stores it after the payload). The growing
 * buffer is a resizable ArrayBuffer (ES2024; V8 reserves `limit` bytes of address space and
 * grows in place), so the process never holds more than the output: doubling into a new buffer
 * held the old and the new one at once, 1.5× the limit just before it was reached.
 */
import { DecompressError, limitError } from './errors';

/** An ArrayBuffer made with `maxByteLength` (not in the ES2023 lib this repository compiles to). */
interface ResizableArrayBuffer extends ArrayBuffer {
  resize(byteLength: number): void;
}

type ResizableConstructor = new (
  byteLength: number,
  options: { maxByteLength: number },
) => ResizableArrayBuffer;

/** A resizable buffer of at most `limit` bytes, or undefined where the runtime cannot make one. */
function resizable(limit: number): ResizableArrayBuffer | undefined {
  try {
    const ab = new (ArrayBuffer as unknown as ResizableConstructor)(0, { maxByteLength: limit });
    return typeof ab.resize === 'function' ? ab : undefined;
  } catch {
    return undefined; // no resizable buffers, or no address space for `limit`
  }
}

/**
 * A growable output buffer capped at `limit` bytes. With an expected size within the limit,
 * output past it is refused at once: a payload that claims 10 MiB but inflates to gigabytes fails
 * there, not after growing to the limit (each doubling briefly holding twice the bytes).
 */
export class OutputSink {
  private buf: Uint8Array;
  private readonly expected: number | undefined;
  private readonly growable: ResizableArrayBuffer | undefined;
  length = 0;

  constructor(
    private readonly kind: string,
    private readonly limit: number,
    expectedSize?: number,
  ) {
    this.expected = expectedSize !== undefined && expectedSize <= limit ? expectedSize : undefined;
    this.growable = this.expected === undefined ? resizable(Math.max(limit, 0)) : undefined;
    const initial = this.expected ?? Math.min(limit, 1 << 16);
    if (this.growable) this.growable.resize(Math.max(initial, 0));
    this.buf = this.growable
      ? new Uint8Array(this.growable, 0, Math.max(initial, 0))
      : new Uint8Array(Math.max(initial, 0));
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
      size = Math.min(size, this.limit);
      if (this.growable) {
        this.growable.resize(size); // in place: no second copy
        this.buf = new Uint8Array(this.growable, 0, size);
      } else {
        const next = new Uint8Array(size);
        next.set(this.buf.subarray(0, this.length));
        this.buf = next;
      }
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
    if (this.growable) {
      this.growable.resize(this.length); // gives back the reserved tail
      return new Uint8Array(this.growable, 0, this.length);
    }
    return this.length === this.buf.length ? this.buf : this.buf.subarray(0, this.length);
  }
}
