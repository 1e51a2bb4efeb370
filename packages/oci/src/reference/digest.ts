/**
 * Content digests (`sha256:<64 hex>`, `sha512:<128 hex>`): validation, hashing, and the algorithm
 * name node's crypto uses for each.
 */
import { createHash, type Hash } from 'node:crypto';
import { InputError } from '@talos-kmod/common';

const digestPattern = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

declare const digestBrand: unique symbol;

/**
 * A content digest this client can verify (`sha256:` + 64 or `sha512:` + 128 lower-case hex). Made
 * only by {@link parseDigest}, {@link isDigest} or by hashing, so holding one means it was checked.
 */
export type Digest = string & { readonly [digestBrand]: true };

/** True (and `s` is a {@link Digest}) when `s` is a digest this client can verify. */
export function isDigest(s: string): s is Digest {
  return digestPattern.test(s);
}

/** Returns `s` as a {@link Digest} when it is one, else throws an {@link InputError} naming it. */
export function parseDigest(s: string, what = 'digest'): Digest {
  if (!isDigest(s)) {
    throw new InputError(
      `invalid ${what} '${s}': expected 'sha256:' followed by 64 lower-case hex digits`,
    );
  }
  return s;
}

/** A node crypto hash for the algorithm of `digest` (`sha512:…`, else sha256). */
export function hashFor(digest: string): Hash {
  return createHash(digest.startsWith('sha512:') ? 'sha512' : 'sha256');
}

/** The sha256 digest of a buffer, as `sha256:<hex>`. */
export function sha256Digest(data: Buffer | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}` as Digest;
}

/** The digest of `data` computed with the algorithm of `digest` (`sha512:…`, else sha256). */
export function digestWithAlgorithmOf(digest: string, data: Buffer): Digest {
  const algorithm = digest.startsWith('sha512:') ? 'sha512' : 'sha256';
  return `${algorithm}:${hashFor(digest).update(data).digest('hex')}` as Digest;
}

/** The hex part of a digest. */
export function digestHex(digest: Digest): string {
  return digest.slice(digest.indexOf(':') + 1);
}
