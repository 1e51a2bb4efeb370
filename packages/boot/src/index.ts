/**
 * The formats a node boots, read in process with bounded memory and time: kernel images (x86
 * bzImage, arm64 zboot and Image, UKI PE files) with the certificates compiled into them, and the
 * initramfs (concatenated cpio archives) with the squashfs images inside it. Bad input never
 * throws from a reader: problems are listed in the result.
 */

// codecs: decompression for kernel payloads, initramfs segments and squashfs blocks
export type { CompressionKind } from './codecs/detect';
export { detectCompression } from './codecs/detect';
export type { DecompressOptions } from './codecs/decompress';
export { decompress } from './codecs/decompress';
export {
  DecompressError,
  DecompressLimitError,
  UnsupportedCompressionError,
} from './codecs/errors';

// kernel images and the certificates compiled into them; PE and UKI sections
export type {
  CertificateListRule,
  KernelImage,
  KernelImageFormat,
  KernelImageLimits,
} from './kernel/types';
export { KernelImageError } from './kernel/types';
export { readKernelImage, readKernelImageFile } from './kernel/read-kernel-image';
export type { PeSection, PeSections } from './pe/read-pe-sections';
export { readPeSections } from './pe/read-pe-sections';
export type { UkiSections } from './pe/read-uki-sections';
export { readUkiSections } from './pe/read-uki-sections';

// initramfs (concatenated cpio newc archives, plain or compressed)
export type {
  InitramfsContents,
  InitramfsEntry,
  InitramfsEntryType,
  InitramfsSegment,
  SegmentCompression,
  WalkInitramfsOptions,
} from './initramfs/types';
export { readCpio, walkInitramfs } from './initramfs/walk-initramfs';

// squashfs 4.0 images (Talos system extensions)
export type {
  OpenSquashfsResult,
  SquashfsCompression,
  SquashfsEntry,
  SquashfsEntryType,
  SquashfsImage,
  SquashfsLimits,
  SquashfsSuperblock,
} from './squashfs/types';
export { SquashfsReadError } from './squashfs/types';
export { openSquashfs } from './squashfs/open-squashfs';
