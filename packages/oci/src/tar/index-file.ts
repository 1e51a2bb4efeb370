/**
 * Random access to the members of an uncompressed tar file on disk: one pass over the headers
 * (seeking over contents) builds a name → (offset, size) map; members are then read as streams.
 */
import { Readable } from 'node:stream';
import { open, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { InputError, UserError } from '@talos-kmod/common';
import { filePieces } from '../buffers/file-pieces';
import {
  applyMeta,
  blockSize,
  decodeHeader,
  decodeLongName,
  isMetaType,
  maxMetaSize,
  normalizeTarPath,
  padding,
  parsePax,
  TarFieldError,
  type PendingMeta,
  type TarHeader,
} from './header';

/** A member of an indexed tar. */
export interface TarMember {
  header: TarHeader;
  /** Offset of the content in the file. */
  offset: number;
}

/** An indexed tar file. */
export interface TarIndex {
  readonly path: string;
  readonly members: ReadonlyMap<string, TarMember>;
  /** The member at `name` (normalised), following symlinks and hard links; undefined when absent. */
  get(name: string): TarMember | undefined;
  /**
   * Reads a whole member (small files: manifests, configs), or its first `length` bytes (a
   * layer's magic number).
   */
  readBytes(name: string, length?: number): Promise<Buffer>;
  /** Streams a member's content. */
  stream(name: string): Readable;
}

async function readAt(fh: FileHandle, offset: number, length: number): Promise<Buffer> {
  const b = Buffer.alloc(length);
  const { bytesRead } = await fh.read(b, 0, length, offset);
  return bytesRead === length ? b : b.subarray(0, bytesRead);
}

/**
 * Reads the headers of `path` and returns an index; throws a UserError if it is not a tar.
 * Messages name the archive as `shown` (the user's file when `path` is its decompressed copy).
 */
export async function indexTarFile(
  path: string,
  what: string,
  shown: string = path,
): Promise<TarIndex> {
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw new UserError(`cannot open ${what} ${shown}: ${(e as Error).message}`);
  });
  const members = new Map<string, TarMember>();
  try {
    const { size: fileSize } = await fh.stat();
    let offset = 0;
    let meta: PendingMeta = {};
    let previous: string | undefined; // the last member read, to say where a bad header sits
    // At byte 0 the file is no tar at all (a wrong file given): an input error; later, a damaged one.
    const corrupt = (at: number, why: string) =>
      new (at === 0 ? InputError : UserError)(
        `${what} ${shown} is not a valid tar archive (${why} at byte ${at}${at > 0 && previous !== undefined ? `, the member header after '${previous}'` : ''}): the archive is corrupt or not a tar; re-create it with docker save or skopeo copy (or the build that wrote it)`,
      );
    for (;;) {
      if (offset + blockSize > fileSize) break;
      const block = await readAt(fh, offset, blockSize);
      let header: TarHeader | undefined;
      let h: TarHeader | undefined;
      try {
        header = decodeHeader(block);
        if (header && !isMetaType(header.type)) h = applyMeta(header, meta);
      } catch (e: unknown) {
        throw corrupt(offset, e instanceof TarFieldError ? e.message : 'bad header');
      }
      if (!header) break;
      const dataOffset = offset + blockSize;
      const next = dataOffset + header.size + padding(header.size);
      // Sizes are non-negative integers (decodeHeader), so offsets strictly increase; a member
      // must also end inside the file, or the archive was cut short.
      if (!(next > offset) || dataOffset + header.size > fileSize) {
        throw corrupt(
          offset,
          `member '${h?.name ?? header.name}' of ${header.size} bytes ends past the end of the ${fileSize}-byte file (truncated)`,
        );
      }
      offset = next;
      if (!h) {
        if (header.type === 'pax-global') continue;
        if (header.size > maxMetaSize) {
          throw corrupt(
            dataOffset - blockSize,
            `a ${header.type} entry of ${header.size} bytes is larger than the ${maxMetaSize} bytes a name or PAX record can need`,
          );
        }
        const data = await readAt(fh, dataOffset, header.size);
        if (header.type === 'pax-header') meta.pax = parsePax(data);
        else if (header.type === 'gnu-long-name') meta.longName = decodeLongName(data);
        else meta.longLink = decodeLongName(data);
        continue;
      }
      meta = {};
      previous = h.name;
      members.set(normalizeTarPath(h.name), { header: h, offset: dataOffset });
    }
    if (members.size === 0) throw new InputError(`${what} ${shown} is empty or not a tar archive`);
  } finally {
    await fh.close();
  }
  const get = (name: string): TarMember | undefined => {
    let key = normalizeTarPath(name);
    for (let i = 0; i < 10; i++) {
      const m = members.get(key);
      if (!m) return undefined;
      if (m.header.type === 'symlink') {
        key = normalizeTarPath(posix.join(posix.dirname(key), m.header.linkname));
      } else if (m.header.type === 'hardlink') {
        key = normalizeTarPath(m.header.linkname);
      } else {
        return m;
      }
    }
    return undefined;
  };
  const need = (name: string): TarMember => {
    const m = get(name);
    if (!m || m.header.type !== 'file') {
      throw new UserError(
        `${what} ${shown} has no file '${name}': the archive is incomplete or of another kind`,
      );
    }
    return m;
  };
  return {
    path,
    members,
    get,
    async readBytes(name, length) {
      const m = need(name);
      const fh2 = await open(path, 'r');
      try {
        return await readAt(fh2, m.offset, Math.min(m.header.size, length ?? m.header.size));
      } finally {
        await fh2.close();
      }
    },
    stream(name) {
      const m = need(name);
      if (m.header.size === 0) return Readable.from([]);
      return filePieces(path, { start: m.offset, length: m.header.size });
    },
  };
}
