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
    if (chunk.length > 0) chunks.push(chunk.slice()); // the chunk is the decoder's buffer
  });
  return concatChunks(chunks, total);
}

/**
 * Streams the xz data in `parts` (one or more concatenated streams, LZMA2 only) through the
 * decoder, handing each output chunk to `onChunk`: a view that is valid only during the call (the
 * caller copies what it keeps). A decoder failure is a {@link CorruptDataError} that names
 * xz-embedded's reason; whatever `onChunk` throws stops decoding and is rethrown.
 *
 * The decoder is driven directly (see {@link directDecoder}): the library's ReadableStream copies
 * every 64 KiB of output out of WebAssembly memory into a fresh buffer, which for a 66 MB kernel
 * cost as much CPU as a third of the decoding itself, plus the garbage collection of the copies.
 * When the library no longer has the shape this relies on, its stream is used as before.
 */
export async function decodeXzStream(
  parts: readonly Uint8Array[],
  onChunk: (chunk: Uint8Array) => void,
  options: { viaStream?: boolean } = {},
): Promise<void> {
  const direct = options.viaStream ? undefined : await directDecoder();
  if (direct) return decodeDirect(direct, parts, onChunk);
  return decodeViaStream(parts, onChunk);
}

/** Through the library's public API: a ReadableStream of copied chunks. */
async function decodeViaStream(
  parts: readonly Uint8Array[],
  onChunk: (chunk: Uint8Array) => void,
): Promise<void> {
  const input = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const p of parts) controller.enqueue(p);
      controller.close();
    },
  });
  // The stream is always drained or cancelled: the library serialises decoders with a lock that
  // only a finished or cancelled stream releases.
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

/**
 * The exports of xz-decompress's WebAssembly module (its C glue over xz-embedded: a context holds
 * `{ u32 bufSize; u8 *in; u32 inPos; u32 inSize; u8 *out; u32 outPos; … }`, xz_buf's fields, with
 * input and output buffers of `bufSize` bytes each).
 */
interface XzExports {
  memory: { readonly buffer: ArrayBuffer };
  create_context(): number;
  destroy_context(ptr: number): void;
  supply_input(ptr: number, length: number): void;
  get_next_output(ptr: number): number;
}

const XZ_OK = 0;
const XZ_STREAM_END = 1;

let direct: Promise<XzExports | undefined> | undefined;

/**
 * The library's WebAssembly instance, which its XzReadableStream class loads once and keeps as a
 * static (`_getModuleInstance`, `_moduleInstance`, xz-decompress 0.2.x); undefined when the class
 * has another shape.
 */
function directDecoder(): Promise<XzExports | undefined> {
  direct ??= (async () => {
    const cls = xzStreamClass() as unknown as {
      _getModuleInstance?: () => Promise<void>;
      _moduleInstance?: { exports: unknown };
    };
    if (typeof cls._getModuleInstance !== 'function') return undefined;
    if (!cls._moduleInstance) await cls._getModuleInstance();
    const exports = cls._moduleInstance?.exports as Partial<XzExports> | undefined;
    const ok =
      typeof exports?.memory?.buffer === 'object' &&
      typeof exports.create_context === 'function' &&
      typeof exports.destroy_context === 'function' &&
      typeof exports.supply_input === 'function' &&
      typeof exports.get_next_output === 'function';
    return ok ? (exports as XzExports) : undefined;
  })().catch(() => undefined);
  return direct;
}

/**
 * The library's own loop (XzReadableStream's pull), without the stream: feed input whenever the
 * decoder has used what it had (an empty feed at the end tells xz-embedded the input is over),
 * hand over the output buffer's contents in place, repeat until the end of the last stream.
 * Synchronous between the awaits of the caller, so no other decoder shares the context.
 */
function decodeDirect(
  xz: XzExports,
  parts: readonly Uint8Array[],
  onChunk: (chunk: Uint8Array) => void,
): void {
  const ptr = xz.create_context();
  if (!ptr) throw new CorruptDataError('out of memory (xz error 3)');
  try {
    let words = new Uint32Array(xz.memory.buffer);
    // memory.grow() detaches the old buffer: take a fresh view whenever it has changed
    const fields = (): Uint32Array =>
      words.buffer === xz.memory.buffer ? words : (words = new Uint32Array(xz.memory.buffer));
    const field = (i: number): number => fields()[(ptr >>> 2) + i] ?? 0;
    const bufSize = field(0);
    let part = 0;
    let rest: Uint8Array = new Uint8Array(0);
    let idle = 0;
    for (;;) {
      if (field(2) === field(3)) {
        // inPos === inSize: the decoder wants more input
        while (rest.length === 0 && part < parts.length) rest = parts[part++] ?? rest;
        const n = Math.min(bufSize, rest.length);
        new Uint8Array(xz.memory.buffer, field(1), n).set(rest.subarray(0, n));
        xz.supply_input(ptr, n);
        rest = rest.subarray(n);
      }
      const inPos = field(2);
      const result = xz.get_next_output(ptr);
      if (result !== XZ_OK && result !== XZ_STREAM_END) {
        throw new CorruptDataError(
          explainXzError(new Error(`get_next_output failed with error code ${result}`)),
        );
      }
      const out = field(5);
      if (out > 0) {
        onChunk(new Uint8Array(xz.memory.buffer, field(4), out));
        fields()[(ptr >>> 2) + 5] = 0; // outPos: the output buffer is free again
      }
      if (result === XZ_STREAM_END) return;
      if (out > 0 || field(2) !== inPos) idle = 0;
      // xz-embedded reports XZ_BUF_ERROR after two calls without progress; never spin regardless
      else if (++idle > 4) throw new CorruptDataError('unexpected end of input (xz error 8)');
    }
  } finally {
    xz.destroy_context(ptr);
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
