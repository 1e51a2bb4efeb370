/** Recognises compressed data by its magic bytes, as the kernel's decompressors do (lib/decompress.c). */

/** Every compression `detectCompression` recognises; the first five are decodable here. */
export type CompressionKind =
  'gzip' | 'zlib' | 'xz' | 'zstd' | 'lz4' | 'lz4-block' | 'lzma' | 'bzip2' | 'lzo';

const MAGICS: readonly { kind: CompressionKind; magic: readonly number[] }[] = [
  { kind: 'gzip', magic: [0x1f, 0x8b] },
  { kind: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { kind: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd] },
  // lz4 legacy frame (what the kernel's `lz4 -l` makes) and the lz4 frame format
  { kind: 'lz4', magic: [0x02, 0x21, 0x4c, 0x18] },
  { kind: 'lz4', magic: [0x04, 0x22, 0x4d, 0x18] },
  { kind: 'bzip2', magic: [0x42, 0x5a, 0x68] },
  { kind: 'lzo', magic: [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a] },
  // the .lzma ("alone") header the kernel's `lzma -9` writes: properties 0x5d, dictionary < 4 GiB
  { kind: 'lzma', magic: [0x5d, 0x00, 0x00] },
];

function startsWith(bytes: Uint8Array, at: number, magic: readonly number[]): boolean {
  if (at + magic.length > bytes.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[at + i] !== magic[i]) return false;
  return true;
}

/**
 * The compression `bytes` (from `offset`) starts with, or 'none'. A zlib stream is recognised by
 * its header check (CMF 0x78, (CMF·256+FLG) % 31 == 0); raw lz4 blocks have no magic.
 */
export function detectCompression(bytes: Uint8Array, offset = 0): CompressionKind | 'none' {
  for (const { kind, magic } of MAGICS) if (startsWith(bytes, offset, magic)) return kind;
  const cmf = bytes[offset];
  const flg = bytes[offset + 1];
  if (cmf === 0x78 && flg !== undefined && (cmf * 256 + flg) % 31 === 0 && (flg & 0x20) === 0) {
    return 'zlib';
  }
  return 'none';
}
