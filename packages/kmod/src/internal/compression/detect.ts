/** Recognises compressed modules by their magic bytes, as kmod and the kernel do. */
import type { Compression } from '../../types';

const MAGICS: { kind: Exclude<Compression, 'none'>; magic: readonly number[] }[] = [
  { kind: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { kind: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd] },
  { kind: 'gzip', magic: [0x1f, 0x8b] },
];

/** The compression `data` starts with, or 'none'. */
export function detectCompression(data: Uint8Array): Compression {
  for (const { kind, magic } of MAGICS) {
    if (data.length >= magic.length && magic.every((b, i) => data[i] === b)) return kind;
  }
  return 'none';
}

/** The compression a file name suggests (`.ko.xz`, `.ko.zst`, `.ko.gz`), used only in messages. */
export function compressionFromName(fileName: string | undefined): Compression {
  if (!fileName) return 'none';
  if (/\.xz$/i.test(fileName)) return 'xz';
  if (/\.zst$/i.test(fileName)) return 'zstd';
  if (/\.gz$/i.test(fileName)) return 'gzip';
  return 'none';
}
