/**
 * Inodes (fs/squashfs/squashfs_fs.h): a 16-byte common header (type, permissions, uid and gid
 * indexes, mtime, inode number), then a body per type, basic (1–7) or extended (8–14). Only what
 * the reader needs is kept; xattr indexes and extended-directory indexes are skipped.
 */
import type { SquashfsEntryType } from '../types';
import { MetadataCursor, MetadataError, type MetadataReader } from './metadata';

/** No fragment: the file's tail is a full data block of its own. */
export const NO_FRAGMENT = 0xffffffff;
/** The kernel refuses symlink targets longer than a page. */
const MAX_SYMLINK = 4096;

const TYPES: Record<number, SquashfsEntryType> = {
  1: 'directory',
  2: 'file',
  3: 'symlink',
  4: 'block-device',
  5: 'char-device',
  6: 'fifo',
  7: 'socket',
};

const MODE_BITS: Record<SquashfsEntryType, number> = {
  directory: 0o040000,
  file: 0o100000,
  symlink: 0o120000,
  'block-device': 0o060000,
  'char-device': 0o020000,
  fifo: 0o010000,
  socket: 0o140000,
};

/** Where a regular file's data is. */
export interface FileLayout {
  /** Absolute offset of the first data block. */
  start: number;
  size: number;
  /** One size word per data block (bit 24: stored uncompressed; 0: a sparse block). */
  blocks: Uint32Array;
  fragment: number;
  fragmentOffset: number;
}

/** A parsed inode. */
export interface Inode {
  type: SquashfsEntryType;
  /** Basic type number (1–7) as directory entries name it. */
  basicType: number;
  mode: number;
  uidIndex: number;
  gidIndex: number;
  mtime: number;
  inode: number;
  nlink: number;
  size: number;
  file?: FileLayout;
  /** Directory listing position: block (from the directory table start) and offset. */
  dir?: { block: number; offset: number; size: number };
  target?: string;
  rdev?: number;
}

/** The image facts inode parsing checks against. */
export interface InodeContext {
  reader: MetadataReader;
  inodeTableStart: number;
  blockSize: number;
  fragmentCount: number;
  bytesUsed: number;
  /** Files larger than this are not given a layout (their block list is not read). */
  maxFileSize: number;
}

/** Reads the inode at reference `ref` (block offset << 16 | offset in block). */
export async function readInode(ctx: InodeContext, ref: number): Promise<Inode> {
  const block = Math.floor(ref / 65536);
  const offset = ref % 65536;
  if (offset >= 8192)
    throw new MetadataError(`inode reference ${ref} has offset ${offset} past a metadata block`);
  const cursor = new MetadataCursor(ctx.reader, ctx.inodeTableStart + block, offset);
  const head = view(await cursor.take(16));
  const rawType = head.getUint16(0, true);
  const basicType = rawType > 7 ? rawType - 7 : rawType;
  const type = TYPES[basicType];
  if (!type || rawType === 0 || rawType > 14) {
    throw new MetadataError(`inode ${ref} has an unknown type ${rawType}`);
  }
  const extended = rawType > 7;
  const inode: Inode = {
    type,
    basicType,
    mode: MODE_BITS[type] | (head.getUint16(2, true) & 0o7777),
    uidIndex: head.getUint16(4, true),
    gidIndex: head.getUint16(6, true),
    mtime: head.getUint32(8, true),
    inode: head.getUint32(12, true),
    nlink: 1,
    size: 0,
  };
  switch (type) {
    case 'directory': {
      if (!extended) {
        const b = view(await cursor.take(16));
        inode.dir = {
          block: b.getUint32(0, true),
          size: b.getUint16(8, true),
          offset: b.getUint16(10, true),
        };
        inode.nlink = b.getUint32(4, true);
      } else {
        const b = view(await cursor.take(24));
        inode.nlink = b.getUint32(0, true);
        inode.dir = {
          size: b.getUint32(4, true),
          block: b.getUint32(8, true),
          offset: b.getUint16(18, true),
        };
      }
      inode.size = inode.dir.size;
      break;
    }
    case 'file':
      await readFileInode(ctx, cursor, inode, extended, ref);
      break;
    case 'symlink': {
      const b = view(await cursor.take(8));
      inode.nlink = b.getUint32(0, true);
      const length = b.getUint32(4, true);
      if (length > MAX_SYMLINK) {
        throw new MetadataError(
          `symlink inode ${ref} has a ${length}-byte target (at most ${MAX_SYMLINK})`,
        );
      }
      const target = await cursor.take(length);
      inode.target = Buffer.from(target.buffer, target.byteOffset, target.length).toString('utf8');
      inode.size = length;
      break;
    }
    case 'block-device':
    case 'char-device': {
      const b = view(await cursor.take(8));
      inode.nlink = b.getUint32(0, true);
      inode.rdev = b.getUint32(4, true);
      break;
    }
    case 'fifo':
    case 'socket':
      inode.nlink = view(await cursor.take(4)).getUint32(0, true);
      break;
  }
  return inode;
}

async function readFileInode(
  ctx: InodeContext,
  cursor: MetadataCursor,
  inode: Inode,
  extended: boolean,
  ref: number,
): Promise<void> {
  let start: number;
  let size: number;
  let fragment: number;
  let fragmentOffset: number;
  if (!extended) {
    const b = view(await cursor.take(16));
    start = b.getUint32(0, true);
    fragment = b.getUint32(4, true);
    fragmentOffset = b.getUint32(8, true);
    size = b.getUint32(12, true);
  } else {
    const b = view(await cursor.take(40));
    start = u64(b, 0);
    size = u64(b, 8);
    inode.nlink = b.getUint32(24, true);
    fragment = b.getUint32(28, true);
    fragmentOffset = b.getUint32(32, true);
  }
  inode.size = size;
  if (!Number.isSafeInteger(size))
    throw new MetadataError(`file inode ${ref} has an impossible size`);
  if (size > ctx.maxFileSize) return; // listed; reading it is refused with a message
  const full = Math.floor(size / ctx.blockSize);
  const count = fragment === NO_FRAGMENT ? Math.ceil(size / ctx.blockSize) : full;
  if (fragment !== NO_FRAGMENT) {
    if (fragment >= ctx.fragmentCount) {
      throw new MetadataError(
        `file inode ${ref} names fragment ${fragment} of ${ctx.fragmentCount}`,
      );
    }
    if (fragmentOffset + (size % ctx.blockSize) > ctx.blockSize) {
      throw new MetadataError(`file inode ${ref} has an invalid fragment offset ${fragmentOffset}`);
    }
  }
  if (start > ctx.bytesUsed) throw new MetadataError(`file inode ${ref} starts past the image end`);
  const list = await cursor.take(count * 4);
  const blocks = new Uint32Array(count);
  const lv = view(list);
  for (let i = 0; i < count; i++) blocks[i] = lv.getUint32(i * 4, true);
  inode.file = { start, size, blocks, fragment, fragmentOffset };
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(v: DataView, at: number): number {
  const hi = v.getUint32(at + 4, true);
  return hi >= 0x200000 ? Infinity : hi * 0x100000000 + v.getUint32(at, true);
}
