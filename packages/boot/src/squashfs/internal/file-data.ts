/**
 * File content: full data blocks stored one after another from the inode's start (each size word
 * says stored-uncompressed in bit 24, and 0 means a sparse block of zeros), then the tail, which
 * is either one more block or a slice of a shared fragment block (fragment table: 16-byte entries
 * in metadata blocks, 512 per block, found through an index of u64 block offsets).
 */
import type { BlockDecoder } from './block-codec';
import type { FileLayout } from './inode';
import { NO_FRAGMENT } from './inode';
import type { MetadataReader } from './metadata';
import { errorMessage } from '../../internal/error-message';

const UNCOMPRESSED = 1 << 24;
const FRAGMENT_CACHE = 8;

/** Thrown for corrupt data; the message names what was being read. */
export class DataError extends Error {
  override readonly name = 'DataError';
}

/** Image facts the data reader needs. */
export interface DataContext {
  bytes: Uint8Array;
  bytesUsed: number;
  blockSize: number;
  fragmentCount: number;
  fragmentTableStart: number;
  reader: MetadataReader;
  decode: BlockDecoder;
  /** Called with each block's size before it is produced; throws to stop (output budget). */
  spend(n: number): void;
}

/** Reads file content block by block, caching the last few fragment blocks. */
export class DataReader {
  private readonly fragments = new Map<number, Promise<Uint8Array>>();

  constructor(private readonly ctx: DataContext) {}

  /** The file's content, one block (or the fragment tail) at a time. */
  async *chunks(layout: FileLayout): AsyncGenerator<Uint8Array> {
    const { blockSize } = this.ctx;
    let at = layout.start;
    for (let i = 0; i < layout.blocks.length; i++) {
      const word = layout.blocks[i] ?? 0;
      const expected = Math.min(blockSize, layout.size - i * blockSize);
      this.ctx.spend(expected);
      const stored = word & ~UNCOMPRESSED;
      if (stored === 0) {
        yield new Uint8Array(expected);
        continue;
      }
      yield await this.block(at, word, expected, `data block ${i}`);
      at += stored;
    }
    if (layout.fragment !== NO_FRAGMENT) {
      const tail = layout.size % blockSize;
      if (tail === 0) return;
      this.ctx.spend(tail);
      const fragment = await this.fragment(layout.fragment);
      if (layout.fragmentOffset + tail > fragment.length) {
        throw new DataError(
          `the tail (${tail} bytes at ${layout.fragmentOffset}) lies past fragment ${layout.fragment} (${fragment.length} bytes)`,
        );
      }
      yield fragment.slice(layout.fragmentOffset, layout.fragmentOffset + tail);
    }
  }

  private async block(
    at: number,
    word: number,
    expected: number,
    what: string,
  ): Promise<Uint8Array> {
    const stored = word & ~UNCOMPRESSED;
    if (stored > this.ctx.blockSize || at + stored > this.ctx.bytesUsed) {
      throw new DataError(
        `${what} (${stored} bytes at offset ${at}) lies outside the image or is too large`,
      );
    }
    const raw = this.ctx.bytes.subarray(at, at + stored);
    let data: Uint8Array;
    if (word & UNCOMPRESSED) {
      data = raw.slice();
    } else {
      try {
        data = await this.ctx.decode(raw, this.ctx.blockSize, expected >= 0 ? expected : undefined);
      } catch (e: unknown) {
        throw new DataError(`${what} at offset ${at} does not decompress: ${errorMessage(e)}`);
      }
    }
    if (expected >= 0 && data.length !== expected) {
      throw new DataError(
        `${what} at offset ${at} holds ${data.length} bytes, expected ${expected}`,
      );
    }
    return data;
  }

  private fragment(index: number): Promise<Uint8Array> {
    let found = this.fragments.get(index);
    if (!found) {
      found = this.loadFragment(index);
      this.fragments.set(index, found);
      if (this.fragments.size > FRAGMENT_CACHE) {
        const oldest = this.fragments.keys().next().value;
        if (oldest !== undefined) this.fragments.delete(oldest);
      }
      found.catch(() => this.fragments.delete(index));
    }
    return found;
  }

  private async loadFragment(index: number): Promise<Uint8Array> {
    const { bytes, fragmentTableStart, bytesUsed, reader } = this.ctx;
    const slot = fragmentTableStart + 8 * Math.floor(index / 512);
    if (slot + 8 > bytesUsed)
      throw new DataError(`fragment index slot for ${index} lies outside the image`);
    const v = new DataView(bytes.buffer, bytes.byteOffset + slot, 8);
    const hi = v.getUint32(4, true);
    if (hi !== 0) throw new DataError(`fragment table block for ${index} lies outside the image`);
    const entry = await reader.read(v.getUint32(0, true), (index % 512) * 16, 16);
    const e = new DataView(entry.buffer, entry.byteOffset, 16);
    const startHi = e.getUint32(4, true);
    if (startHi !== 0) throw new DataError(`fragment ${index} starts outside the image`);
    // A fragment block decompresses to at most a block; its exact size is not stored.
    return this.block(e.getUint32(0, true), e.getUint32(8, true), -1, `fragment ${index}`);
  }
}
