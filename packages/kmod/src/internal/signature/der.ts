/**
 * A small, bounded DER/BER element reader. It only locates elements (tag and byte ranges, no
 * copies); decoding of the located pieces is left to @peculiar/asn1-schema. Indefinite lengths are
 * accepted for constructed elements, nesting is limited, and every length is checked against the
 * enclosing element before use.
 */

/** Thrown inside the CMS parser and turned into a problem there; never escapes the package. */
export class DerError extends Error {
  override readonly name = 'DerError';
}

/** One element: identifier byte, where its value lies, and where the next element starts. */
export interface Tlv {
  /** The identifier octet (class, constructed bit, tag number < 31). */
  id: number;
  /** First byte of the element (its identifier). */
  start: number;
  /** First byte of the value. */
  valueStart: number;
  /** One past the last value byte (before the end-of-contents octets when indefinite). */
  valueEnd: number;
  /** One past the element. */
  end: number;
}

const MAX_DEPTH = 32;

/** Reads the element starting at `at`, which must end by `limit`. */
export function readTlv(bytes: Uint8Array, at: number, limit: number, depth = 0): Tlv {
  if (depth > MAX_DEPTH) throw new DerError(`nesting deeper than ${MAX_DEPTH} at offset ${at}`);
  if (at + 2 > limit) throw new DerError(`element at offset ${at} is truncated`);
  const id = bytes[at] ?? 0;
  if ((id & 0x1f) === 0x1f) throw new DerError(`high tag number form at offset ${at}`);
  const first = bytes[at + 1] ?? 0;
  let pos = at + 2;
  if (first === 0x80) {
    if ((id & 0x20) === 0) throw new DerError(`indefinite length on a primitive at offset ${at}`);
    let child = pos;
    for (;;) {
      if (child + 2 > limit) throw new DerError(`missing end-of-contents for offset ${at}`);
      if (bytes[child] === 0 && bytes[child + 1] === 0) {
        return { id, start: at, valueStart: pos, valueEnd: child, end: child + 2 };
      }
      child = readTlv(bytes, child, limit, depth + 1).end;
    }
  }
  let length = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n > 4) throw new DerError(`length of ${n} bytes at offset ${at}`);
    if (pos + n > limit) throw new DerError(`length at offset ${at} is truncated`);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (bytes[pos + i] ?? 0);
    pos += n;
  }
  if (pos + length > limit) {
    throw new DerError(
      `element at offset ${at} claims ${length} bytes but only ${limit - pos} remain`,
    );
  }
  return { id, start: at, valueStart: pos, valueEnd: pos + length, end: pos + length };
}

/** Reads the element at `at` and checks its identifier octet. */
export function expectTlv(
  bytes: Uint8Array,
  at: number,
  limit: number,
  id: number,
  what: string,
): Tlv {
  const tlv = readTlv(bytes, at, limit);
  if (tlv.id !== id) {
    throw new DerError(
      `expected ${what} (tag 0x${id.toString(16)}) at offset ${at}, found tag 0x${tlv.id.toString(16)}`,
    );
  }
  return tlv;
}

/** Reads the element at `at` when its identifier is `id`; otherwise returns undefined. */
export function optionalTlv(
  bytes: Uint8Array,
  at: number,
  limit: number,
  id: number,
): Tlv | undefined {
  if (at >= limit || bytes[at] !== id) return undefined;
  return readTlv(bytes, at, limit);
}

/** The bytes of a whole element (identifier, length and value) as a view. */
export function elementBytes(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.start, tlv.end);
}

/** The value bytes of an element as a view. */
export function valueBytes(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.valueStart, tlv.valueEnd);
}

/** Decodes an OBJECT IDENTIFIER value to dotted form ('' when malformed). */
export function decodeOid(value: Uint8Array): string {
  const parts: number[] = [];
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const b = value[i] ?? 0;
    n = n * 128 + (b & 0x7f);
    if (n > Number.MAX_SAFE_INTEGER / 128) return '';
    if ((b & 0x80) === 0) {
      if (parts.length === 0) {
        const first = n < 80 ? Math.floor(n / 40) : 2;
        parts.push(first, n - first * 40);
      } else {
        parts.push(n);
      }
      n = 0;
    } else if (i === value.length - 1) {
      return '';
    }
  }
  return parts.join('.');
}
