/** gzip with node:zlib, output capped by zlib itself (maxOutputLength). */
import { gunzipSync } from 'node:zlib';
import { recordAllocation } from '../alloc';

/** Decompresses gzip `data` into at most `cap` bytes; throws when corrupt or too large. */
export function gunzipBounded(data: Uint8Array, cap: number): Uint8Array {
  const out = gunzipSync(data, { maxOutputLength: Math.max(1, cap) });
  recordAllocation(out.length);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
