/**
 * Metadata blocks (inode, directory, id and fragment tables): each is a u16 header (bit 15 set:
 * stored uncompressed; low 15 bits: stored size) and at most 8 KiB of data once decompressed. A
 * reference names a block (offset from its table start) and an offset inside the decompressed
 * block; a record may run on into the next block. Decoded blocks are cached; all decoding counts
 * against one budget.
 */
import type { BlockDecoder } from './block-codec';
import { errorMessage } from '../../internal/error-message';

/** Uncompressed size of a full metadata block. */
export const METADATA_SIZE = 8192;

/** Thrown for corrupt metadata or an exceeded budget; the message names the position. */
export class MetadataError extends Error {
  override readonly name = 'MetadataError';
}

interface Block {
  data: Uint8Array;
  /** Absolute offset of the next block. */
  next: number;
}

/** Reads metadata blocks of one image. */
export class MetadataReader {
  private readonly cache = new Map<number, Promise<Block>>();
  private decoded = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly end: number,
    private readonly decode: BlockDecoder,
    private readonly budget: number,
  ) {}

  /** The decoded block at absolute offset `at`. */
  block(at: number): Promise<Block> {
    let found = this.cache.get(at);
    if (!found) {
      found = this.load(at);
      this.cache.set(at, found);
    }
    return found;
  }

  private async load(at: number): Promise<Block> {
    if (!Number.isSafeInteger(at) || at < 0 || at + 2 > this.end) {
      throw new MetadataError(`metadata block at offset ${at} lies outside the image`);
    }
    const header = (this.bytes[at] ?? 0) | ((this.bytes[at + 1] ?? 0) << 8);
    const size = header & 0x7fff;
    const stored = (header & 0x8000) !== 0;
    if (size === 0 || size > METADATA_SIZE || at + 2 + size > this.end) {
      throw new MetadataError(`metadata block at offset ${at} has an invalid size ${size}`);
    }
    const raw = this.bytes.subarray(at + 2, at + 2 + size);
    let data: Uint8Array;
    try {
      data = stored ? raw : await this.decode(raw, METADATA_SIZE);
    } catch (e: unknown) {
      throw new MetadataError(
        `metadata block at offset ${at} does not decompress: ${errorMessage(e)}`,
      );
    }
    this.decoded += data.length;
    if (this.decoded > this.budget) {
      throw new MetadataError(
        `more than ${this.budget} bytes of metadata (maxMetadataSize); raise it if the image is genuine`,
      );
    }
    return { data, next: at + 2 + size };
  }

  /**
   * `length` bytes starting `offset` bytes into the block at absolute `at`, following on into
   * the next blocks; a view when they lie in one block, a copy otherwise.
   */
  async read(at: number, offset: number, length: number): Promise<Uint8Array> {
    if (length > this.budget) {
      throw new MetadataError(`a ${length}-byte metadata record is larger than maxMetadataSize`);
    }
    let block = await this.block(at);
    let skip = offset;
    while (skip >= block.data.length) {
      // References point into a block, but a record may start exactly at the end of one.
      if (skip > block.data.length || block.data.length < METADATA_SIZE) {
        throw new MetadataError(`offset ${offset} lies past the metadata block at ${at}`);
      }
      skip -= block.data.length;
      block = await this.block(block.next);
    }
    if (skip + length <= block.data.length) return block.data.subarray(skip, skip + length);
    const out = new Uint8Array(length);
    let filled = 0;
    for (;;) {
      const n = Math.min(length - filled, block.data.length - skip);
      out.set(block.data.subarray(skip, skip + n), filled);
      filled += n;
      if (filled === length) return out;
      if (block.data.length < METADATA_SIZE) {
        throw new MetadataError(`a metadata record runs past the end of its table (block ${at})`);
      }
      block = await this.block(block.next);
      skip = 0;
    }
  }
}

/** A position in a metadata table that advances as records are read. */
export class MetadataCursor {
  constructor(
    private readonly reader: MetadataReader,
    private at: number,
    private offset: number,
  ) {}

  /** The next `length` bytes. */
  async take(length: number): Promise<Uint8Array> {
    const out = await this.reader.read(this.at, this.offset, length);
    this.offset += length;
    // Move to the block the offset now falls in (without loading a block nothing reads yet).
    while (this.offset > 0) {
      const block = await this.reader.block(this.at);
      if (this.offset < block.data.length || block.data.length < METADATA_SIZE) break;
      this.offset -= block.data.length;
      this.at = block.next;
    }
    return out;
  }
}
