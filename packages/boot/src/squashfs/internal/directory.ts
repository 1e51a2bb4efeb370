/**
 * Directory listings (fs/squashfs/squashfs_fs.h `squashfs_dir_header`, `squashfs_dir_entry`): runs
 * of at most 256 entries, each run headed by the inode-table block its inodes live in and a base
 * inode number; each entry gives the inode's offset in that block, a signed inode-number delta,
 * its basic type and its name (at most 256 bytes). A directory inode's size counts 3 bytes more
 * than the listing (for `.` and `..`, which are not stored).
 */
import { MetadataError } from './metadata';

/** One stored directory entry. */
export interface DirEntry {
  name: string;
  /** Inode reference: inode-table block << 16 | offset. */
  ref: number;
  inode: number;
  basicType: number;
}

const MAX_RUN = 256;
const MAX_NAME = 256;

/** Parses a listing; throws {@link MetadataError} naming the directory when it is malformed. */
export function parseListing(listing: Uint8Array, where: string): DirEntry[] {
  const v = new DataView(listing.buffer, listing.byteOffset, listing.byteLength);
  const entries: DirEntry[] = [];
  let p = 0;
  while (p < listing.length) {
    if (p + 12 > listing.length) throw new MetadataError(`${where}: directory header is truncated`);
    const count = v.getUint32(p, true) + 1;
    const block = v.getUint32(p + 4, true);
    const base = v.getUint32(p + 8, true);
    p += 12;
    if (count > MAX_RUN) {
      throw new MetadataError(
        `${where}: a directory run claims ${count} entries (at most ${MAX_RUN})`,
      );
    }
    for (let i = 0; i < count; i++) {
      if (p + 8 > listing.length) throw new MetadataError(`${where}: directory entry is truncated`);
      const offset = v.getUint16(p, true);
      const delta = v.getInt16(p + 2, true);
      const basicType = v.getUint16(p + 4, true);
      const nameSize = v.getUint16(p + 6, true) + 1;
      p += 8;
      if (nameSize > MAX_NAME || p + nameSize > listing.length) {
        throw new MetadataError(`${where}: directory entry name of ${nameSize} bytes is invalid`);
      }
      const raw = listing.subarray(p, p + nameSize);
      p += nameSize;
      const name = Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('utf8');
      if (name === '.' || name === '..' || raw.includes(0x2f) || raw.includes(0)) {
        throw new MetadataError(
          `${where}: directory entry name ${JSON.stringify(name)} is not allowed`,
        );
      }
      if (offset >= 8192)
        throw new MetadataError(`${where}: entry ${name} has inode offset ${offset}`);
      entries.push({ name, ref: block * 65536 + offset, inode: (base + delta) >>> 0, basicType });
    }
  }
  return entries;
}
