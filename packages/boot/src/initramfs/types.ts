/** Public shapes of the initramfs reader. */

/** How one segment of the initramfs is stored (the kernel's `decompress_method` names). */
export type SegmentCompression = 'none' | 'gzip' | 'xz' | 'zstd' | 'lz4' | 'bzip2' | 'lzma' | 'lzo';

/** One piece of the concatenated initramfs: a plain cpio run, or one compressed stream. */
export interface InitramfsSegment {
  /** Byte offset of the segment in the initramfs. */
  offset: number;
  compression: SegmentCompression;
  /** Bytes of the initramfs the segment occupies (compressed size; zero padding not included). */
  size: number;
  /** Bytes of cpio data it holds once decompressed (equals `size` when plain). */
  decompressedSize: number;
}

/** The file type an entry's mode names. */
export type InitramfsEntryType =
  'file' | 'directory' | 'symlink' | 'char-device' | 'block-device' | 'fifo' | 'socket' | 'unknown';

/** One cpio member as the kernel would create it. */
export interface InitramfsEntry {
  /** Path inside the initramfs, without a leading `/` or `./` (`.` for the root itself). */
  path: string;
  type: InitramfsEntryType;
  /** The full `st_mode` (type and permission bits). */
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  /** Body size in the archive (for a hard link group, only the member carrying the data has it). */
  size: number;
  /** Index into `segments` of the segment that holds it. */
  segment: number;
  /** Symlink target (symlinks only). */
  target?: string;
}

/** Bounds on what one walk may decompress, list and keep. */
export interface WalkInitramfsOptions {
  /** Which regular files to keep in `files` (by entry path); none when absent. */
  want?(path: string): boolean;
  /** Called for every entry as soon as it is complete, with its content when it was wanted. */
  onEntry?(entry: InitramfsEntry, content: Uint8Array | undefined): void;
  /** Largest decompressed size of one segment (default 2 GiB). */
  maxSegmentSize?: number;
  /** Largest decompressed size of all segments together (default 4 GiB). */
  maxTotalSize?: number;
  /** Most entries over all segments (default 200,000). */
  maxEntries?: number;
  /** Largest wanted file kept in memory (default 1 GiB); larger ones are listed with a problem. */
  maxFileSize?: number;
  /** Largest initramfs read from a file path (default 2 GiB). */
  maxInputSize?: number;
}

/** What a walk found. Problems are listed, never thrown. */
export interface InitramfsContents {
  segments: InitramfsSegment[];
  entries: InitramfsEntry[];
  /**
   * Content of the wanted regular files, by entry path (a later member with the same path wins).
   * Files of uncompressed segments are views of the input bytes, not copies.
   */
  files: Map<string, Uint8Array>;
  /** Each problem says what was wrong, where, and what to do; empty for a sound initramfs. */
  problems: string[];
}
