/**
 * The file-system facts the Talos rules look at. Structurally the same as `ImageFile` from
 * `@talos-kmod/oci` (a merged image file system) and the plain-directory walker, so either can be
 * passed without conversion.
 */

/** The kinds of entry an image file system holds. */
export type ImageEntryType =
  'file' | 'directory' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

/** One entry: relative path without a leading `/`, type, permission bits, size. */
export interface ImageEntry {
  readonly path: string;
  readonly type: ImageEntryType;
  /** Permission bits (and possibly setuid/setgid/sticky); file-type bits are ignored. */
  readonly mode: number;
  readonly size: number;
  readonly linkTarget?: string;
}
