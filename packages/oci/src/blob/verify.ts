/** Streams checked against their digest and size while they flow. */
import { Transform, type TransformCallback } from 'node:stream';
import { UserError } from '@talos-kmod/common';
import { hashFor, type Digest } from '../reference/digest';

/** Thrown when content does not match its digest or size. */
export class DigestMismatchError extends UserError {
  constructor(
    readonly what: string,
    readonly expected: string,
    readonly actual: string,
    message?: string,
  ) {
    super(
      message ??
        `${what} does not match its digest: expected ${expected}, got ${actual}; the content is corrupt (re-push or rebuild the image)`,
    );
  }
}

/**
 * A pass-through stream that hashes and counts what flows through and fails at the end when the
 * digest (or the size, when given) differs. `what` names the blob in the error.
 */
export function verifyingStream(
  digest: Digest,
  size: number | undefined,
  what: string,
  onBytes?: (n: number) => void,
): Transform {
  const hash = hashFor(digest);
  let count = 0;
  return new Transform({
    highWaterMark: 1 << 20,
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      count += chunk.length;
      if (size !== undefined && count > size) {
        cb(
          new DigestMismatchError(
            what,
            `${size} bytes`,
            `more`,
            `${what} is longer than its descriptor says (${size} bytes); the content is corrupt (re-push or rebuild the image)`,
          ),
        );
        return;
      }
      hash.update(chunk);
      onBytes?.(chunk.length);
      cb(null, chunk);
    },
    flush(cb: TransformCallback) {
      if (size !== undefined && count !== size) {
        cb(
          new DigestMismatchError(
            what,
            `${size} bytes`,
            `${count} bytes`,
            `${what} has ${count} bytes but its descriptor says ${size}; the content is truncated or corrupt (re-push or rebuild the image)`,
          ),
        );
        return;
      }
      const actual = `${digest.slice(0, digest.indexOf(':'))}:${hash.digest('hex')}`;
      if (actual !== digest) {
        cb(new DigestMismatchError(what, digest, actual));
        return;
      }
      cb();
    },
  });
}
