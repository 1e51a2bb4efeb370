/**
 * Opens a squashfs 4.0 image held in memory (Talos system extensions are `mksquashfs -comp zstd`
 * or `-comp xz` images inside the initramfs): reads the superblock, the id table and the whole
 * directory tree up front, then serves lookups from that index and decodes file content on
 * demand, block by block. Every offset and count from the image is checked before use.
 */
import type { OpenSquashfsResult, SquashfsEntry, SquashfsImage, SquashfsLimits } from './types';
import { SquashfsReadError } from './types';
import { blockDecoder, type BlockDecoder } from './internal/block-codec';
import { DataReader } from './internal/file-data';
import { MetadataReader } from './internal/metadata';
import { FLAG_COMPRESSOR_OPTIONS, SUPERBLOCK_SIZE, readSuperblock } from './internal/superblock';
import { readTree, type TreeNode } from './internal/tree';
import { errorMessage } from '../internal/error-message';

const GiB = 1024 * 1024 * 1024;
const DEFAULTS: Required<SquashfsLimits> = {
  maxEntries: 1_000_000,
  maxMetadataSize: 256 * 1024 * 1024,
  maxFileSize: 1 * GiB,
  maxTotalOutput: 16 * GiB,
  maxDepth: 256,
};

/**
 * Opens the image in `bytes`. Never throws on bad bytes: without an `image` the problems say why
 * it could not be read; with one, they list the entries that were skipped.
 */
export async function openSquashfs(
  bytes: Uint8Array,
  limits: SquashfsLimits = {},
): Promise<OpenSquashfsResult> {
  const problems: string[] = [];
  const bounds = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS) as (keyof SquashfsLimits)[]) {
    const value = limits[key];
    if (typeof value === 'number' && value >= 0) bounds[key] = value;
  }
  const sb = readSuperblock(bytes);
  if (typeof sb === 'string') return { problems: [`not a readable squashfs image: ${sb}`] };
  const decode = blockDecoder(sb.compression);
  if (typeof decode === 'string') return { problems: [decode] };
  const reader = new MetadataReader(bytes, sb.bytesUsed, decode, bounds.maxMetadataSize);
  try {
    const optionsProblem = await checkCompressorOptions(bytes, sb, reader);
    if (optionsProblem) return { problems: [optionsProblem] };
    const ids = await readIds(bytes, sb, reader);
    const nodes = await readTree(
      {
        reader,
        inodeTableStart: sb.inodeTableStart,
        directoryTableStart: sb.directoryTableStart,
        blockSize: sb.blockSize,
        fragmentCount: sb.fragmentCount,
        bytesUsed: sb.bytesUsed,
        maxFileSize: bounds.maxFileSize,
        ids,
        maxEntries: bounds.maxEntries,
        maxDepth: bounds.maxDepth,
      },
      sb.rootInode,
      problems,
    );
    let spent = 0;
    const data = new DataReader({
      bytes,
      bytesUsed: sb.bytesUsed,
      blockSize: sb.blockSize,
      fragmentCount: sb.fragmentCount,
      fragmentTableStart: sb.fragmentTableStart,
      reader,
      decode: decode as BlockDecoder,
      spend(n) {
        spent += n;
        if (spent > bounds.maxTotalOutput) {
          throw new SquashfsReadError(
            `reading this image produced more than ${bounds.maxTotalOutput} bytes (maxTotalOutput)`,
          );
        }
      },
    });
    const {
      blockSize,
      bytesUsed,
      compression,
      fragmentCount,
      flags,
      idCount,
      inodeCount,
      mkfsTime,
    } = sb;
    const image = makeImage(nodes, data, bounds.maxFileSize, {
      blockSize,
      bytesUsed,
      compression,
      fragmentCount,
      flags,
      idCount,
      inodeCount,
      mkfsTime,
    });
    return { image, problems };
  } catch (e: unknown) {
    return {
      problems: [...problems, `not a readable squashfs image: ${errorMessage(e)}`],
    };
  }
}

function makeImage(
  nodes: Map<string, TreeNode>,
  data: DataReader,
  maxFileSize: number,
  superblock: SquashfsImage['superblock'],
): SquashfsImage {
  const node = (path: string) => nodes.get(normalize(path));
  const fileNode = (path: string): TreeNode & { layout: NonNullable<TreeNode['layout']> } => {
    const found = node(path);
    if (!found) throw new SquashfsReadError(`${path} is not in the squashfs image`);
    if (found.entry.type !== 'file') {
      throw new SquashfsReadError(`${path} is a ${found.entry.type}, not a regular file`);
    }
    if (!found.layout) {
      throw new SquashfsReadError(
        `${path} is ${found.entry.size} bytes, more than the ${maxFileSize}-byte limit (maxFileSize)`,
      );
    }
    return found as TreeNode & { layout: NonNullable<TreeNode['layout']> };
  };
  const chunks = async function* (path: string): AsyncGenerator<Uint8Array> {
    const found = fileNode(path);
    try {
      yield* data.chunks(found.layout);
    } catch (e: unknown) {
      if (e instanceof SquashfsReadError) throw e;
      throw new SquashfsReadError(
        `${path} cannot be read: ${errorMessage(e)}; the image is corrupt`,
      );
    }
  };
  return {
    superblock,
    lookup: (path) => node(path)?.entry,
    list(path = '.') {
      const dir = node(path);
      if (!dir?.children) return undefined;
      return dir.children.map((p) => (nodes.get(p) as TreeNode).entry);
    },
    *walk(): IterableIterator<SquashfsEntry> {
      for (const n of nodes.values()) yield n.entry;
    },
    async readFile(path) {
      const found = fileNode(path);
      const out = new Uint8Array(found.entry.size);
      let at = 0;
      for await (const chunk of chunks(path)) {
        out.set(chunk, at);
        at += chunk.length;
      }
      return out;
    },
    readFileChunks: chunks,
  };
}

/** `/a/b`, `./a/b/` and `a/b` name the same entry; `/`, `` and `.` the root. */
function normalize(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  return parts.length === 0 ? '.' : parts.join('/');
}

async function checkCompressorOptions(
  bytes: Uint8Array,
  sb: ReturnType<typeof readSuperblock> & object,
  reader: MetadataReader,
): Promise<string | undefined> {
  if (!(sb.flags & FLAG_COMPRESSOR_OPTIONS)) return undefined;
  const options = (await reader.block(SUPERBLOCK_SIZE)).data;
  if (sb.compression === 'lz4') {
    const v = new DataView(options.buffer, options.byteOffset, options.byteLength);
    const version = options.length >= 4 ? v.getUint32(0, true) : 0;
    if (version !== 1) {
      return `squashfs lz4 options name format version ${version}; only 1 (LZ4_LEGACY, what mksquashfs writes) is known`;
    }
  }
  void bytes;
  return undefined;
}

/** The uid/gid table: `idCount` u32 values in metadata blocks found through a u64 index. */
async function readIds(
  bytes: Uint8Array,
  sb: ReturnType<typeof readSuperblock> & object,
  reader: MetadataReader,
): Promise<Uint32Array> {
  const ids = new Uint32Array(sb.idCount);
  const blocks = Math.ceil((sb.idCount * 4) / 8192);
  if (sb.idTableStart + blocks * 8 > sb.bytesUsed) {
    throw new Error(
      `the id table index (${blocks} blocks at ${sb.idTableStart}) lies outside the image`,
    );
  }
  const index = new DataView(bytes.buffer, bytes.byteOffset + sb.idTableStart, blocks * 8);
  for (let b = 0; b < blocks; b++) {
    if (index.getUint32(b * 8 + 4, true) !== 0)
      throw new Error('an id table block lies outside the image');
    const at = index.getUint32(b * 8, true);
    const count = Math.min(2048, sb.idCount - b * 2048);
    const raw = await reader.read(at, 0, count * 4);
    const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) ids[b * 2048 + i] = v.getUint32(i * 4, true);
  }
  return ids;
}
