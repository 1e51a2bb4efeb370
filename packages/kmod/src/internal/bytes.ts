/** Endian-aware integer reads and string decoding over views of the input. */

/** Reads little- or big-endian integers from a view; callers check bounds first. */
export interface IntReader {
  u8(at: number): number;
  u16(at: number): number;
  u32(at: number): number;
  /** A 64-bit value as a number; `Infinity` when it cannot be an offset (≥ 2^53). */
  u64(at: number): number;
}

/** An {@link IntReader} over `bytes` (`little` selects the byte order). */
export function intReader(bytes: Uint8Array, little: boolean): IntReader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    u8: (at) => view.getUint8(at),
    u16: (at) => view.getUint16(at, little),
    u32: (at) => view.getUint32(at, little),
    u64: (at) => {
      const lo = view.getUint32(little ? at : at + 4, little);
      const hi = view.getUint32(little ? at + 4 : at, little);
      return hi >= 0x200000 ? Infinity : hi * 0x100000000 + lo;
    },
  };
}

/** Decodes `bytes[start, end)` as UTF-8 without copying the bytes. */
export function utf8(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
}

/** Decodes `bytes` as latin1 (one char per byte) without copying the bytes. */
export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Index of the first NUL in `bytes[start, end)`, or `end` when there is none. */
export function indexOfNul(bytes: Uint8Array, start: number, end: number): number {
  const i = bytes.subarray(start, end).indexOf(0);
  return i < 0 ? end : start + i;
}

/** True when `bytes[at, at + ascii.length)` equals the ASCII string `ascii`. */
export function bytesEqualAscii(bytes: Uint8Array, at: number, ascii: string): boolean {
  if (at < 0 || at + ascii.length > bytes.length) return false;
  for (let i = 0; i < ascii.length; i++) {
    if (bytes[at + i] !== ascii.charCodeAt(i)) return false;
  }
  return true;
}

/** Upper-case hex bytes joined by ':' (how modinfo prints sig_key and signature). */
export function colonHex(bytes: Uint8Array): string {
  return colonHexLines(bytes, Infinity)[0] ?? '';
}

/**
 * {@link colonHex} split into lines of `perLine` bytes, each line but the last ending in ':' (how
 * modinfo wraps `signature`). Written into one byte buffer and decoded once: signatures are
 * formatted for every module, so this avoids building thousands of small strings.
 */
export function colonHexLines(bytes: Uint8Array, perLine: number): string[] {
  if (bytes.length === 0) return [''];
  const out = Buffer.allocUnsafe(bytes.length * 3 - 1);
  let at = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    out[at++] = DIGITS[b >> 4] ?? 0;
    out[at++] = DIGITS[b & 15] ?? 0;
    if (i < bytes.length - 1) out[at++] = 0x3a;
  }
  const text = out.toString('latin1');
  if (bytes.length <= perLine) return [text];
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += perLine * 3) lines.push(text.slice(i, i + perLine * 3));
  return lines;
}

const DIGITS = Buffer.from('0123456789ABCDEF', 'latin1');
