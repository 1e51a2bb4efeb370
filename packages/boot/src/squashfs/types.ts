/** Public shapes of the squashfs reader. */

/** The compressors squashfs 4.0 names (superblock `compression`). */
export type SquashfsCompression = 'gzip' | 'lzma' | 'lzo' | 'xz' | 'lz4' | 'zstd';

/** What the superblock says about the image. */
export interface SquashfsSuperblock {
  compression: SquashfsCompression;
  blockSize: number;
  inodeCount: number;
  fragmentCount: number;
  idCount: number;
  bytesUsed: number;
  flags: number;
  mkfsTime: number;
}

/** The file type of an entry. */
export type SquashfsEntryType =
  'file' | 'directory' | 'symlink' | 'block-device' | 'char-device' | 'fifo' | 'socket';

/** One file, directory or other node of the image. */
export interface SquashfsEntry {
  /** Path inside the image, without a leading `/` (`.` for the root directory). */
  path: string;
  /** Last path component (`''` for the root). */
  name: string;
  type: SquashfsEntryType;
  /** The full `st_mode`: type bits and permissions. */
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  /** Bytes of content for files, target length for symlinks, 0 otherwise. */
  size: number;
  nlink: number;
  /** The inode number the image assigns. */
  inode: number;
  /** Symlink target (symlinks only). */
  target?: string;
  /** Device number as the image stores it (devices only). */
  rdev?: number;
}

/** Bounds on what one image may make the reader decode. */
export interface SquashfsLimits {
  /** Most entries in the tree (default 1,000,000). */
  maxEntries?: number;
  /** Most decompressed metadata (inode, directory, id and fragment tables; default 256 MiB). */
  maxMetadataSize?: number;
  /** Largest file readFile returns (default 1 GiB); readFileChunks has no per-file cap. */
  maxFileSize?: number;
  /** Most file bytes all reads of this image together may produce (default 16 GiB). */
  maxTotalOutput?: number;
  /** Deepest directory nesting (default 256). */
  maxDepth?: number;
}

/** An opened image. Paths may be given with or without a leading `/`. */
export interface SquashfsImage {
  superblock: SquashfsSuperblock;
  /** The entry at `path`, or undefined. Symlinks are not followed. */
  lookup(path: string): SquashfsEntry | undefined;
  /** The entries of the directory at `path` (default the root), or undefined if it is none. */
  list(path?: string): SquashfsEntry[] | undefined;
  /** Every entry, parents before their children, in the image's (sorted) order. */
  walk(): IterableIterator<SquashfsEntry>;
  /** The content of the regular file at `path`. Rejects with a {@link SquashfsReadError}. */
  readFile(path: string): Promise<Uint8Array>;
  /** The content of the regular file at `path`, one data block at a time. */
  readFileChunks(path: string): AsyncIterableIterator<Uint8Array>;
}

/** The result of {@link openSquashfs}: an image when the tree could be read, and every problem. */
export interface OpenSquashfsResult {
  image?: SquashfsImage;
  problems: string[];
}

/** Thrown by readFile/readFileChunks: a missing path, a corrupt block, or a limit reached. */
export class SquashfsReadError extends Error {
  override readonly name = 'SquashfsReadError';
}
