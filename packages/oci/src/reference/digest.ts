/**
 * Content digests (`sha256:<64 hex>`, `sha512:<128 hex>`): validation, hashing, and the algorithm
 * name node's crypto uses for each.
 */
import { createHash, type Hash } from 'node:crypto';
import { UserError } from '@talos-kmod/common';

const digestPattern = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** True when `s` is a digest this client can verify (`sha256:` or `sha512:`, lower-case hex). */
export function isDigest(s: string): boolean {
  return digestPattern.test(s);
}

/** Returns `s` when it is a valid digest, else throws a {@link UserError} naming it. */
export function parseDigest(s: string, what = 'digest'): string {
  if (!isDigest(s)) {
    throw new UserError(
      `invalid ${what} '${s}': expected 'sha256:' followed by 64 lower-case hex digits`,
    );
  }
  return s;
}

/** A node crypto hash for the digest's algorithm. */
export function hashFor(digest: string): Hash {
  return createHash(digest.startsWith('sha512:') ? 'sha512' : 'sha256');
}

/** The sha256 digest of a buffer, as `sha256:<hex>`. */
export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The digest of `data` computed with the algorithm of `digest`. */
export function digestWithAlgorithmOf(digest: string, data: Buffer): string {
  const algorithm = digest.startsWith('sha512:') ? 'sha512' : 'sha256';
  return `${algorithm}:${hashFor(digest).update(data).digest('hex')}`;
}

/** The hex part of a digest. */
export function digestHex(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1);
}
