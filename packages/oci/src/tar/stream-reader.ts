/**
 * A streaming tar reader: walks entries of a (decompressed) tar stream without buffering more than
 * one header block, collecting content only for entries the caller wants. After the end-of-archive
 * marker it keeps reading to the end so that digest verification upstream completes.
 */
import {
  applyMeta,
  blockSize,
  decodeHeader,
  decodeLongName,
  padding,
  parsePax,
  type PendingMeta,
  type TarHeader,
} from './header';

/** Callbacks for {@link readTarStream}. */
export interface TarVisitor {
  /** Called for each real entry first; return true to receive a regular file's content in `entry`. */
  wants(header: TarHeader): boolean;
  /** Called for each real entry, in order, with content when wanted. Awaited. */
  entry(header: TarHeader, content?: Buffer): void | Promise<void>;
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
  let collecting: { header: TarHeader; buf: Buffer; fill: number; meta: boolean } | undefined;
  let meta: PendingMeta = {};
  let ended = false;
  let position = 0;

  // Callbacks stay synchronous unless the visitor returns a promise: one microtask per entry adds
  // up over tens of thousands of entries.
  const finishCollect = (): void | Promise<void> => {
    const c = collecting;
    if (!c) return;
    collecting = undefined;
    skip = padding(c.header.size);
    if (c.meta) {
      if (c.header.type === 'pax-header') meta.pax = parsePax(c.buf);
      else if (c.header.type === 'gnu-long-name') meta.longName = decodeLongName(c.buf);
      else if (c.header.type === 'gnu-long-link') meta.longLink = decodeLongName(c.buf);
      return;
    }
    return visitor.entry(c.header, c.buf);
  };

  const onHeader = (): void | Promise<void> => {
    let raw: TarHeader | undefined;
    try {
      raw = decodeHeader(headerBuf);
    } catch {
      throw new Error(`${what}: corrupt tar header at byte ${position - blockSize}`);
    }
    if (!raw) {
      ended = true;
      return;
    }
    if (
      raw.type === 'pax-header' ||
      raw.type === 'gnu-long-name' ||
      raw.type === 'gnu-long-link' ||
      raw.type === 'pax-global'
    ) {
      if (raw.type === 'pax-global') {
        skip = raw.size + padding(raw.size);
        return;
      }
      collecting = { header: raw, buf: Buffer.alloc(raw.size), fill: 0, meta: true };
      if (raw.size === 0) return finishCollect();
      return;
    }
    const h = applyMeta(raw, meta);
    meta = {};
    const contentSize = h.type === 'file' ? h.size : raw.size;
    const wanted = visitor.wants(h);
    if (h.type === 'file' && wanted) {
      collecting = { header: h, buf: Buffer.allocUnsafe(contentSize), fill: 0, meta: false };
      if (contentSize === 0) return finishCollect();
      return;
    }
    skip = contentSize + padding(contentSize);
    return visitor.entry(h);
  };

  for await (const chunk of input) {
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
        const n = Math.min(c.buf.length - c.fill, chunk.length - off);
        chunk.copy(c.buf, c.fill, off, off + n);
        c.fill += n;
        off += n;
        if (c.fill === c.buf.length) {
          const p = finishCollect();
          if (p) await p;
        }
        continue;
      }
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
