/**
 * The merged file system of an image, streamed: layers are read top (last) to bottom, so the first
 * time a path is seen is its final state; `.wh.<name>` whiteouts and `.wh..wh..opq` opaque
 * directories hide what lower layers have (image-spec `layer.md`). Nothing is unpacked to disk;
 * memory holds the set of paths seen and the content of one wanted file at a time.
 */
import { posix } from 'node:path';
import { UserError } from '@talos-kmod/common';
import type { Image } from '../sources/types';
import { normalizeTarPath, type TarHeader } from '../tar/header';
import { readTarStream } from '../tar/stream-reader';
import { Readable } from 'node:stream';
import { layerPieces } from '../buffers/piece-pool';
import { decompressor, sniffCompression } from './decompress';
import { feed } from './feed';

/** One file of the merged image file system. */
export interface ImageFile {
  /** Relative path without a leading `/` or `./`, e.g. `usr/lib/modules/6.1.0/extra/a.ko`. */
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';
  /** Permission bits including setuid/setgid/sticky. */
  mode: number;
  /** Content size for regular files, else 0. */
  size: number;
  uid: number;
  gid: number;
  /** Symlink target as stored, or a hard link's target path (normalised). */
  linkTarget?: string;
}

/** What both walks take besides the callback. */
interface WalkFilter {
  /** Files whose content to read (regular files only); others are reported without content. */
  want?: (file: ImageFile) => boolean;
  /** A wanted file larger than this fails the walk (default 512 MiB). */
  maxFileSize?: number;
}

/** Options for {@link walkImageFiles}. */
export interface WalkOptions extends WalkFilter {
  /**
   * Called once per visible path, top layer first, with content for wanted files. Awaited. The
   * content is a view of the decompressed stream when the file arrived in one piece.
   */
  onFile: (file: ImageFile, content?: Buffer) => void | Promise<void>;
}

/**
 * A wanted file's content as the consecutive pieces the decompressed layer arrived in: views of
 * the stream's chunks, never copies (streams never reuse a chunk they pushed, so the views stay
 * valid). An empty file has no pieces.
 */
export type FileChunks = readonly Buffer[];

/** Options for {@link walkImageFileChunks}. */
export interface WalkChunksOptions extends WalkFilter {
  /** Called once per visible path, top layer first, with content for wanted files. Awaited. */
  onFile: (file: ImageFile, content?: FileChunks) => void | Promise<void>;
}

const whiteoutPrefix = '.wh.';
const opaqueMarker = '.wh..wh..opq';

function toImageFile(h: TarHeader, path: string): ImageFile | undefined {
  const type = h.type;
  if (!['file', 'directory', 'symlink', 'hardlink', 'char', 'block', 'fifo'].includes(type))
    return undefined;
  const file: ImageFile = {
    path,
    type: type as ImageFile['type'],
    mode: h.mode & 0o7777,
    size: type === 'file' ? h.size : 0,
    uid: h.uid,
    gid: h.gid,
  };
  if (type === 'symlink') file.linkTarget = h.linkname;
  if (type === 'hardlink') file.linkTarget = normalizeTarPath(h.linkname);
  return file;
}

/** Ancestors of `a/b/c`: `a`, `a/b`. */
function* ancestors(path: string): Generator<string> {
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) yield path.slice(0, i);
}

/**
 * Reads the first chunk of a stream (to sniff it) and puts it back, as the very object it was:
 * `read()` would join what is buffered into a new buffer, a pooled view would lose its identity.
 */
function peek(stream: Readable): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      cleanup();
      stream.pause();
      stream.unshift(chunk);
      resolve(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    const onError = (e: unknown) => {
      cleanup();
      reject(e);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

/** Decompressed bytes buffered ahead of the reader, so the next layer downloads and inflates while this one is parsed (more only costs memory and GC). */
const prefetchBytes = 8 * 1024 * 1024;

/** Chunks of a stream, read ahead up to a limit (no concatenation, unlike `read()`). */
export interface Prefetched extends AsyncIterable<Buffer> {
  destroy(): void;
}

function prefetch(stream: Readable, limit: number): Prefetched {
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  stream.on('data', (c: Buffer) => {
    queue.push(c);
    queued += c.length;
    if (queued >= limit) stream.pause();
    notify();
  });
  stream.on('end', () => {
    ended = true;
    notify();
  });
  stream.on('error', (e) => {
    failure ??= { error: e };
    notify();
  });
  // a 'data' listener does not restart a stream paused explicitly (as a peek leaves it)
  stream.resume();
  return {
    destroy: () => stream.destroy(),
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const chunk = queue.shift();
        if (chunk) {
          queued -= chunk.length;
          if (stream.isPaused() && queued < limit / 2) stream.resume();
          yield chunk;
          continue;
        }
        if (failure) throw failure.error;
        if (ended) return;
        await new Promise<void>((r) => (wake = r));
      }
    },
  };
}

/**
 * Opens a layer decompressed according to its first bytes, reading up to 8 MiB ahead. Compressed
 * bytes reach the decompressor in pooled pieces (files/feed.ts).
 */
export async function openLayerContent(image: Image, index: number): Promise<Prefetched> {
  const raw = await image.openLayer(index);
  const head = await peek(raw);
  if (!head) return prefetch(Readable.from([]), 1);
  const compression = sniffCompression(head);
  // uncompressed: the tar reader hands out views of these chunks, so they are never given back
  if (compression === 'none') return prefetch(raw, prefetchBytes);
  const { stream, consumesInputOnWrite } = decompressor(compression);
  feed(raw, stream, { pool: layerPieces, releaseOnWrite: consumesInputOnWrite });
  return prefetch(stream, prefetchBytes);
}

/**
 * Walks the merged files of `image` (see the module comment), with each wanted file's content in
 * one Buffer. Throws a {@link UserError} when a wanted file exceeds `maxFileSize` or a layer is not
 * a valid (compressed) tar.
 */
export function walkImageFiles(image: Image, options: WalkOptions): Promise<void> {
  const { onFile, ...filter } = options;
  return walkImageFileChunks(image, {
    ...filter,
    onFile: (file, content) => onFile(file, content && joinChunks(content, file.size)),
  });
}

/**
 * The pieces as one Buffer: the piece itself when there is one (as for every file of 16 MiB or
 * more, assembled while it streamed), else a copy.
 */
export function joinChunks(chunks: FileChunks, size?: number): Buffer {
  return chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size);
}

/**
 * {@link walkImageFiles} with each wanted file's content as the pieces it arrived in, for readers
 * that can work on pieces: nothing is copied, which matters when every module of a kernel is read.
 */
export async function walkImageFileChunks(image: Image, options: WalkChunksOptions): Promise<void> {
  const maxFileSize = options.maxFileSize ?? 512 * 1024 * 1024;
  const seen = new Set<string>();
  const whitedOut = new Set<string>();
  const opaque = new Set<string>();
  const nonDirectories = new Set<string>();
  const hiddenByUpper = (path: string): boolean => {
    if (seen.has(path) || whitedOut.has(path)) return true;
    for (const a of ancestors(path)) {
      if (whitedOut.has(a) || opaque.has(a) || nonDirectories.has(a)) return true;
    }
    return false;
  };
  let next: Promise<Prefetched> | undefined;
  for (let i = image.layers.length - 1; i >= 0; i--) {
    const layerWhiteouts: string[] = [];
    const layerOpaque: string[] = [];
    const layerSeen = new Set<string>();
    const layerNonDirs: string[] = [];
    const pending = new Map<TarHeader, ImageFile>();
    const what = `layer ${i} (${image.layers[i]?.digest ?? '?'})`;
    const visible = (h: TarHeader): ImageFile | undefined => {
      const path = normalizeTarPath(h.name);
      if (!path) return undefined;
      const base = posix.basename(path);
      if (base.startsWith(whiteoutPrefix)) {
        const dir = posix.dirname(path) === '.' ? '' : posix.dirname(path);
        if (base === opaqueMarker) layerOpaque.push(dir);
        else
          layerWhiteouts.push(
            dir ? `${dir}/${base.slice(whiteoutPrefix.length)}` : base.slice(whiteoutPrefix.length),
          );
        return undefined;
      }
      // A path twice in one layer (rare; tar says the last wins) is reported once, the first time.
      if (hiddenByUpper(path) || layerSeen.has(path)) return undefined;
      const file = toImageFile(h, path);
      if (!file) return undefined;
      layerSeen.add(path);
      if (file.type !== 'directory') layerNonDirs.push(path);
      return file;
    };
    const input = await (next ?? openLayerContent(image, i));
    next = i > 0 ? openLayerContent(image, i - 1) : undefined;
    next?.catch(() => undefined);
    try {
      await readTarStream(
        input,
        {
          wants: (h) => {
            const file = visible(h);
            if (!file) return false;
            pending.set(h, file);
            const wanted = options.want?.(file) ?? false;
            if (wanted && file.size > maxFileSize) {
              throw new UserError(
                `${file.path} in ${what} is ${file.size} bytes, more than the ${maxFileSize}-byte limit for reading a file: raise maxFileSize or narrow the filter`,
              );
            }
            return wanted;
          },
          entry: (h, content) => {
            const file = pending.get(h);
            if (!file) return;
            pending.delete(h);
            return options.onFile(file, content);
          },
        },
        what,
      );
    } catch (e: unknown) {
      input.destroy();
      void next?.then(
        (n) => n.destroy(),
        () => undefined,
      );
      if (e instanceof UserError) throw e;
      throw new UserError(`cannot read ${what} of image ${image.digest}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    for (const p of layerSeen) seen.add(p);
    for (const p of layerWhiteouts) whitedOut.add(p);
    for (const p of layerOpaque) opaque.add(p);
    for (const p of layerNonDirs) nonDirectories.add(p);
  }
}
