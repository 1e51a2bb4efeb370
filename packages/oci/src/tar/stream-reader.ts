/**
 * A streaming tar reader: walks entries of a (decompressed) tar stream without buffering more than
 * one header block, collecting content only for entries the caller wants. Content is handed over as
 * the pieces it arrived in (views of the stream's chunks, never copied: streams never reuse a chunk
 * they pushed), so reading every module of a kernel costs no memcpy and no allocation per file.
 * A file of {@link WHOLE_FILE_SIZE} or more (a UKI, a kernel, an initramfs: read as one buffer by
 * every caller) is copied piece by piece into one buffer of its size as it arrives instead, so its
 * pieces are freed as it streams and the whole file is never held twice (pieces and a join).
 * After the end-of-archive marker it keeps reading to the end so that digest verification upstream
 * completes.
 */
import {
  applyMeta,
  blockSize,
  decodeHeader,
  decodeLongName,
  isMetaType,
  maxMetaSize,
  padding,
  parsePax,
  type PendingMeta,
  type TarHeader,
} from './header';

/** Wanted files of at least this size are handed over as one buffer, assembled as they arrive. */
export const WHOLE_FILE_SIZE = 16 * 1024 * 1024;

/** Callbacks for {@link readTarStream}. */
export interface TarVisitor {
  /**
   * Called for each real entry first; return true to receive a regular file's content in `entry`.
   * Returning true accepts the header's size: a file of {@link WHOLE_FILE_SIZE} or more gets its
   * buffer at once, so the visitor bounds the size first.
   */
  wants(header: TarHeader): boolean;
  /**
   * Called for each real entry, in order, with a wanted file's content as consecutive views of the
   * stream's chunks (an empty list for an empty file). Awaited.
   */
  entry(header: TarHeader, content?: readonly Buffer[]): void | Promise<void>;
}

/** Reads every entry of `input`; throws on a corrupt header or a truncated archive. */
export async function readTarStream(
  input: AsyncIterable<Buffer>,
  visitor: TarVisitor,
  what: string,
): Promise<void> {
  const headerBuf = Buffer.alloc(blockSize);
  let headerFill = 0;
  let skip = 0; // bytes of content/padding to drop
  let collecting:
    | { header: TarHeader; chunks: Buffer[]; remaining: number; meta: boolean; whole?: Buffer }
    | undefined;
  let meta: PendingMeta = {};
  let ended = false;
  let position = 0; // stream offset of the chunk being read
  let headerAt = 0; // stream offset of the header block in headerBuf
  let previous: string | undefined; // the last member read, to say where a bad header sits

  // Callbacks stay synchronous unless the visitor returns a promise: one microtask per entry adds
  // up over tens of thousands of entries.
  const finishCollect = (): void | Promise<void> => {
    const c = collecting;
    if (!c) return;
    collecting = undefined;
    skip = padding(c.header.size);
    if (c.meta) {
      const data = Buffer.concat(c.chunks);
      if (c.header.type === 'pax-header') meta.pax = parsePax(data);
      else if (c.header.type === 'gnu-long-name') meta.longName = decodeLongName(data);
      else if (c.header.type === 'gnu-long-link') meta.longLink = decodeLongName(data);
      return;
    }
    return visitor.entry(c.header, c.whole ? [c.whole] : c.chunks);
  };

  const onHeader = (): void | Promise<void> => {
    let raw: TarHeader | undefined;
    let h: TarHeader | undefined;
    try {
      raw = decodeHeader(headerBuf);
      if (raw && !isMetaType(raw.type)) h = applyMeta(raw, meta);
    } catch (e: unknown) {
      throw new Error(
        `${what}: corrupt tar header at byte ${headerAt}${previous === undefined ? '' : `, the member header after '${previous}'`} (${(e as Error).message}): the layer is not a valid tar; rebuild the image, or re-create its archive with docker save or skopeo copy`,
      );
    }
    if (!raw) {
      ended = true;
      return;
    }
    if (!h) {
      if (raw.type === 'pax-global') {
        skip = raw.size + padding(raw.size);
        return;
      }
      if (raw.size > maxMetaSize) {
        throw new Error(
          `${what}: a ${raw.type} entry of ${raw.size} bytes is larger than the ${maxMetaSize} bytes a name or PAX record can need`,
        );
      }
      collecting = { header: raw, chunks: [], remaining: raw.size, meta: true };
      if (raw.size === 0) return finishCollect();
      return;
    }
    meta = {};
    previous = h.name;
    const contentSize = h.type === 'file' ? h.size : raw.size;
    const wanted = visitor.wants(h);
    if (h.type === 'file' && wanted) {
      collecting = { header: h, chunks: [], remaining: contentSize, meta: false };
      // the size was bounded by the visitor (maxFileSize); allocUnsafe touches no page until filled
      if (contentSize >= WHOLE_FILE_SIZE) collecting.whole = Buffer.allocUnsafe(contentSize);
      if (contentSize === 0) return finishCollect();
      return;
    }
    skip = contentSize + padding(contentSize);
    return visitor.entry(h);
  };

  for await (const chunk of input) {
    const chunkAt = position;
    position += chunk.length;
    if (ended) continue;
    let off = 0;
    while (off < chunk.length && !ended) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - off);
        skip -= n;
        off += n;
        continue;
      }
      if (collecting) {
        const c = collecting;
        const n = Math.min(c.remaining, chunk.length - off);
        if (c.whole) chunk.copy(c.whole, c.whole.length - c.remaining, off, off + n);
        else c.chunks.push(off === 0 && n === chunk.length ? chunk : chunk.subarray(off, off + n));
        c.remaining -= n;
        off += n;
        if (c.remaining === 0) {
          const p = finishCollect();
          if (p) await p;
        }
        continue;
      }
      if (headerFill === 0) headerAt = chunkAt + off;
      const n = Math.min(blockSize - headerFill, chunk.length - off);
      chunk.copy(headerBuf, headerFill, off, off + n);
      headerFill += n;
      off += n;
      if (headerFill === blockSize) {
        headerFill = 0;
        const p = onHeader();
        if (p) await p;
      }
    }
  }
  if (!ended && (collecting || skip > 0 || headerFill > 0)) {
    throw new Error(`${what}: the tar stream ends in the middle of an entry (truncated)`);
  }
}
