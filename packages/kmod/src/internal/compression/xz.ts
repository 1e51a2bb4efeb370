/**
 * xz with xz-decompress (xz-embedded compiled to WebAssembly, embedded in the package as base64,
 * so it loads the same under jest and in an esbuild CommonJS bundle). The decoder limits its
 * dictionary to 64 MiB; we also refuse a first block whose LZMA2 dictionary exceeds the cap, stop
 * reading once the output passes the cap, and always drain or cancel the stream (the library
 * serialises decoders with a lock that only a finished or cancelled stream releases). The stream
 * decoder is also what @talos-kmod/boot's codecs and initramfs reader use.
 */
import * as xzModule from 'xz-decompress';
import { concatChunks } from '../alloc';
import { CorruptDataError, TooLargeError } from './errors';

type XzStreamClass = new (input: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;

function xzStreamClass(): XzStreamClass {
  const mod = xzModule as unknown as {
    XzReadableStream?: XzStreamClass;
    default?: { XzReadableStream?: XzStreamClass };
  };
  const cls = mod.XzReadableStream ?? mod.default?.XzReadableStream;
  if (!cls) throw new Error('xz-decompress did not load');
  return cls;
}

/** Decompresses xz `data` into at most `cap` bytes; throws when corrupt or too large. */
export async function unxzBounded(data: Uint8Array, cap: number): Promise<Uint8Array> {
  const dict = firstBlockDictionary(data);
  if (dict !== undefined && dict > cap) {
    throw new TooLargeError(`has an LZMA2 dictionary (${dict} bytes) larger than`, cap);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  await decodeXzStream([data], (chunk) => {
    total += chunk.length;
    if (total > cap) throw new TooLargeError('decompresses to more than', cap);
    if (chunk.length > 0) chunks.push(chunk);
  });
  return concatChunks(chunks, total);
}

/**
 * Streams the xz data in `parts` (one or more concatenated streams, LZMA2 only) through the
 * decoder, handing each output chunk to `onChunk` (valid only during the call). A decoder failure
 * is a {@link CorruptDataError} that names xz-embedded's reason; whatever `onChunk` throws stops
 * decoding and is rethrown. The stream is always drained or cancelled: the library serialises
 * decoders with a lock that only a finished or cancelled stream releases.
 */
export async function decodeXzStream(
  parts: readonly Uint8Array[],
  onChunk: (chunk: Uint8Array) => void,
): Promise<void> {
  const input = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const p of parts) controller.enqueue(p);
      controller.close();
    },
  });
  const reader = new (xzStreamClass())(input).getReader();
  for (;;) {
    let step: Awaited<ReturnType<typeof reader.read>>;
    try {
      step = await reader.read();
    } catch (e: unknown) {
      throw new CorruptDataError(explainXzError(e));
    }
    if (step.done) return;
    try {
      onChunk(step.value);
    } catch (e: unknown) {
      await reader.cancel().catch(() => undefined);
      throw e;
    }
  }
}

/** xz-embedded's `enum xz_ret` codes, which xz-decompress reports only as numbers. */
const XZ_ERRORS: Readonly<Record<string, string>> = {
  '2': 'unsupported integrity check',
  '3': 'out of memory',
  '4': 'dictionary larger than the 64 MiB decoder limit',
  '5': 'not xz format',
  '6': 'unsupported xz options',
  '7': 'corrupt data',
  '8': 'unexpected end of input',
};

function explainXzError(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const code = /error code (\d+)/.exec(message)?.[1];
  return code && XZ_ERRORS[code] ? `${XZ_ERRORS[code]} (xz error ${code})` : message;
}

/**
 * The LZMA2 dictionary size of the first block (xz file format 1.1.0 §3), or undefined when the
 * header cannot be read here (the decoder will then report the error).
 */
function firstBlockDictionary(data: Uint8Array): number | undefined {
  const at = 12; // stream header: magic (6), flags (2), CRC32 (4)
  const sizeByte = data[at];
  if (sizeByte === undefined || sizeByte === 0) return undefined;
  const end = at + (sizeByte + 1) * 4;
  const flags = data[at + 1];
  if (flags === undefined || end > data.length) return undefined;
  let p = at + 2;
  const vli = (): number | undefined => {
    let value = 0;
    for (let i = 0; i < 9 && p < end; i++) {
      const b = data[p++] ?? 0;
      value += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return value;
    }
    return undefined;
  };
  if (flags & 0x40 && vli() === undefined) return undefined;
  if (flags & 0x80 && vli() === undefined) return undefined;
  let dict: number | undefined;
  for (let f = 0; f <= (flags & 3); f++) {
    const id = vli();
    const propsSize = vli();
    if (id === undefined || propsSize === undefined || p + propsSize > end) return undefined;
    if (id === 0x21 && propsSize === 1) {
      const bits = data[p] ?? 0;
      dict =
        bits > 40
          ? Infinity
          : bits === 40
            ? 0xffffffff
            : (2 | (bits & 1)) * 2 ** ((bits >> 1) + 11);
    }
    p += propsSize;
  }
  return dict;
}
