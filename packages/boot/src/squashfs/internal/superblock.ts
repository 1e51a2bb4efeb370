/**
 * The squashfs 4.0 superblock (Linux fs/squashfs/squashfs_fs.h `struct squashfs_super_block`,
 * 96 bytes, little-endian), checked so that every table it points to lies inside the image.
 */
import type { SquashfsCompression, SquashfsSuperblock } from '../types';

/** Size of the superblock; an optional compressor-options metadata block follows it. */
export const SUPERBLOCK_SIZE = 96;
const MAGIC = 0x73717368; // "hsqs"

/** Superblock flag: a compressor-options metadata block follows the superblock. */
export const FLAG_COMPRESSOR_OPTIONS = 0x0400;

const COMPRESSORS: Record<number, SquashfsCompression> = {
  1: 'gzip',
  2: 'lzma',
  3: 'lzo',
  4: 'xz',
  5: 'lz4',
  6: 'zstd',
};

/** The superblock with the table positions the reader needs (absolute offsets). */
export interface Superblock extends SquashfsSuperblock {
  rootInode: number;
  idTableStart: number;
  inodeTableStart: number;
  directoryTableStart: number;
  fragmentTableStart: number;
}

/** Parses and checks the superblock; returns why the image cannot be read otherwise. */
export function readSuperblock(bytes: Uint8Array): Superblock | string {
  if (bytes.length < SUPERBLOCK_SIZE) {
    return `only ${bytes.length} bytes: too short for a squashfs superblock (${SUPERBLOCK_SIZE})`;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number) => {
    const hi = u32(at + 4);
    return hi >= 0x200000 ? Infinity : hi * 0x100000000 + u32(at);
  };
  const magic = u32(0);
  if (magic !== MAGIC) {
    return magic === 0x68737173
      ? 'big-endian squashfs (only little-endian squashfs 4.0 exists for Linux since 2009): rebuild it with mksquashfs 4'
      : `no squashfs magic ("hsqs") at offset 0 (found 0x${magic.toString(16).padStart(8, '0')})`;
  }
  const major = u16(28);
  const minor = u16(30);
  if (major !== 4 || minor !== 0) {
    return `squashfs version ${major}.${minor} is not supported (only 4.0, which mksquashfs 4 writes)`;
  }
  const compressionId = u16(20);
  const compression = COMPRESSORS[compressionId];
  if (!compression) return `unknown squashfs compressor id ${compressionId}`;
  const blockSize = u32(12);
  const blockLog = u16(22);
  if (blockSize < 4096 || blockSize > 1024 * 1024 || blockSize !== 2 ** blockLog) {
    return `squashfs block size ${blockSize} (log ${blockLog}) is invalid (a power of two from 4 KiB to 1 MiB)`;
  }
  const sb: Superblock = {
    compression,
    blockSize,
    inodeCount: u32(4),
    fragmentCount: u32(16),
    idCount: u16(26),
    bytesUsed: u64(40),
    flags: u16(24),
    mkfsTime: u32(8),
    rootInode: u64(32),
    idTableStart: u64(48),
    inodeTableStart: u64(64),
    directoryTableStart: u64(72),
    fragmentTableStart: u64(80),
  };
  if (sb.bytesUsed > bytes.length) {
    return `the image is truncated: its superblock says ${sb.bytesUsed} bytes, only ${bytes.length} are here`;
  }
  const inside = (name: string, at: number): string | undefined =>
    at >= SUPERBLOCK_SIZE && at < sb.bytesUsed
      ? undefined
      : `the ${name} table offset ${at} lies outside the image (${SUPERBLOCK_SIZE}..${sb.bytesUsed})`;
  const bad =
    inside('inode', sb.inodeTableStart) ??
    inside('directory', sb.directoryTableStart) ??
    inside('id', sb.idTableStart) ??
    (sb.fragmentCount > 0 ? inside('fragment', sb.fragmentTableStart) : undefined);
  if (bad) return bad;
  if (sb.inodeTableStart >= sb.directoryTableStart) {
    return `the inode table (${sb.inodeTableStart}) does not come before the directory table (${sb.directoryTableStart})`;
  }
  if (sb.idCount === 0) return 'the image declares no uid/gid ids (every inode needs one)';
  return sb;
}
