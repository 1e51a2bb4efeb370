/** gzip and zlib with node:zlib, whose maxOutputLength stops inflation at the caller's limit. */
import { gunzipSync, inflateSync } from 'node:zlib';
import { DecompressError, limitError } from './errors';

/** Inflates a gzip (possibly multi-member) or zlib stream into at most `limit` bytes. */
export function inflateBounded(
  kind: 'gzip' | 'zlib',
  input: Uint8Array,
  limit: number,
): Uint8Array {
  try {
    const out = (kind === 'gzip' ? gunzipSync : inflateSync)(input, {
      maxOutputLength: Math.max(1, limit),
    });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e: unknown) {
    if ((e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw limitError(kind, limit);
    const message = e instanceof Error ? e.message : String(e);
    throw new DecompressError(`${kind} data is corrupt or truncated: ${message}`);
  }
}
