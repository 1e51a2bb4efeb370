/**
 * The raw LZ4 block format (lz4/doc/lz4_Block_format.md), as lz4 legacy frames and squashfs
 * store it. Bounded: output never exceeds `maxOutput`, every match offset is checked.
 */

/** Thrown when an LZ4 block is corrupt or decompresses past its limit. */
export class Lz4BlockError extends Error {
  override readonly name = 'Lz4BlockError';
}

/** Decompresses one raw LZ4 block into at most `maxOutput` bytes. */
export function decompressLz4Block(src: Uint8Array, maxOutput: number): Uint8Array {
  let out = new Uint8Array(Math.min(maxOutput, Math.max(64, src.length * 4)));
  let o = 0;
  let i = 0;
  const ensure = (n: number): void => {
    if (o + n > maxOutput) {
      throw new Lz4BlockError(`LZ4 block decompresses to more than ${maxOutput} bytes`);
    }
    if (o + n > out.length) {
      const grown = new Uint8Array(Math.min(maxOutput, Math.max(o + n, out.length * 2)));
      grown.set(out.subarray(0, o));
      out = grown;
    }
  };
  const length = (base: number): number => {
    let n = base;
    if (base === 15) {
      for (;;) {
        const b = src[i++];
        if (b === undefined) throw new Lz4BlockError('LZ4 block is truncated in a length');
        n += b;
        if (b !== 255) break;
      }
    }
    return n;
  };
  while (i < src.length) {
    const token = src[i++] ?? 0;
    const literals = length(token >> 4);
    if (i + literals > src.length) throw new Lz4BlockError('LZ4 literals run past the block');
    ensure(literals);
    out.set(src.subarray(i, i + literals), o);
    o += literals;
    i += literals;
    if (i === src.length) break; // the last sequence has literals only
    if (i + 2 > src.length) throw new Lz4BlockError('LZ4 block is truncated in an offset');
    const offset = (src[i] ?? 0) | ((src[i + 1] ?? 0) << 8);
    i += 2;
    if (offset === 0 || offset > o)
      throw new Lz4BlockError(`LZ4 match offset ${offset} is invalid`);
    const matchLength = length(token & 15) + 4;
    ensure(matchLength);
    let from = o - offset;
    if (offset >= matchLength) {
      out.copyWithin(o, from, from + matchLength);
      o += matchLength;
    } else {
      for (let k = 0; k < matchLength; k++) out[o++] = out[from++] ?? 0;
    }
  }
  return out.subarray(0, o);
}
