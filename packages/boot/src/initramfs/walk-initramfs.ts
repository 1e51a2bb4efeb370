/**
 * Reads an initramfs the way the kernel unpacks it (init/initramfs.c `unpack_to_rootfs`): a run of
 * segments, each either plain cpio `newc` members (starting with `0` at a 4-byte aligned offset)
 * or one compressed stream (chosen by its magic) holding more cpio members, with zero bytes
 * allowed between segments. This is how an early-microcode archive, the main compressed archive
 * and an appended one (Talos' extensions) sit in one file, and why `file` or a single `cpio -i`
 * see only the first of them.
 */
import { stat, readFile } from 'node:fs/promises';
import type {
  InitramfsContents,
  InitramfsSegment,
  SegmentCompression,
  WalkInitramfsOptions,
} from './types';
import { CpioFormatError, NewcParser, type NewcSink } from './internal/newc-parser';
import { decodeSegment, detectSegmentCompression } from './internal/segment-decoders';
import { errorMessage } from '../internal/error-message';

const GiB = 1024 * 1024 * 1024;
const DEFAULTS = {
  maxSegmentSize: 2 * GiB,
  maxTotalSize: 4 * GiB,
  maxEntries: 200_000,
  maxFileSize: 1 * GiB,
  maxInputSize: 2 * GiB,
};

/**
 * Splits `source` (bytes, or a file path) into its segments and lists every cpio member; keeps the
 * content of the regular files `want` selects. Never throws on bad bytes: a problem stops the walk
 * where the kernel would stop, and what was read up to there is returned.
 */
export async function walkInitramfs(
  source: Uint8Array | string,
  options: WalkInitramfsOptions = {},
): Promise<InitramfsContents> {
  const limits = { ...DEFAULTS, ...definedOnly(options) };
  const result: InitramfsContents = { segments: [], entries: [], files: new Map(), problems: [] };
  const data = await readSource(source, limits.maxInputSize, result.problems);
  if (!data) return result;
  const walk = new Walk(data, limits, options, result);
  await walk.run();
  return result;
}

/** The same reader under the name of the format: see {@link walkInitramfs}. */
export const readCpio = walkInitramfs;

async function readSource(
  source: Uint8Array | string,
  maxInputSize: number,
  problems: string[],
): Promise<Uint8Array | undefined> {
  if (typeof source !== 'string') return source;
  try {
    const info = await stat(source);
    if (info.size > maxInputSize) {
      problems.push(
        `${source} is ${info.size} bytes, more than the ${maxInputSize}-byte limit (maxInputSize); raise it if this initramfs is genuine`,
      );
      return undefined;
    }
    return await readFile(source);
  } catch (e: unknown) {
    problems.push(`cannot read ${source}: ${errorMessage(e)}`);
    return undefined;
  }
}

type Limits = typeof DEFAULTS;

interface LinkGroup {
  paths: string[];
  content: Uint8Array | undefined;
}

class Walk implements NewcSink {
  readonly maxFileSize: number;
  readonly maxEntries: number;
  private links = new Map<string, LinkGroup>();
  private totalOut = 0;

  constructor(
    private readonly data: Uint8Array,
    private readonly limits: Limits,
    private readonly options: WalkInitramfsOptions,
    private readonly result: InitramfsContents,
  ) {
    this.maxFileSize = limits.maxFileSize;
    this.maxEntries = limits.maxEntries;
  }

  want(path: string): boolean {
    return this.options.want?.(path) ?? false;
  }

  entryCount(): number {
    return this.result.entries.length;
  }

  trailer(): void {
    this.links.clear();
  }

  entry(member: Parameters<NewcSink['entry']>[0]): void {
    const { entry, wanted, link, tooLarge } = member;
    let content = member.body;
    this.result.entries.push(entry);
    if (tooLarge && wanted) {
      this.result.problems.push(
        `${entry.path} is ${entry.size} bytes, more than the ${this.maxFileSize}-byte limit (maxFileSize): listed but not read; raise maxFileSize if it is genuine`,
      );
    }
    if (link) {
      // The kernel links later names to the first and writes each body into the shared inode.
      const group = this.links.get(link.key) ?? { paths: [], content: undefined };
      this.links.set(link.key, group);
      group.content = overlay(group.content, content);
      group.paths.push(entry.path);
      content = group.content;
      for (const path of group.paths) {
        if (content !== undefined && this.result.files.has(path))
          this.result.files.set(path, content);
      }
    }
    if (wanted && content !== undefined) this.result.files.set(entry.path, content);
    this.options.onEntry?.(entry, wanted ? content : undefined);
  }

  async run(): Promise<void> {
    const { data, result } = this;
    let pos = 0;
    while (pos < data.length) {
      if (data[pos] === 0) {
        pos++;
        continue;
      }
      const index = result.segments.length;
      if (data[pos] === 0x30 && (pos & 3) === 0) {
        const next = this.plain(pos, index);
        if (next === undefined) return;
        pos = next;
        continue;
      }
      const kind = detectSegmentCompression(data, pos);
      if (!kind) {
        result.problems.push(
          `invalid magic at initramfs offset ${pos} (bytes ${hex(data.subarray(pos, pos + 4))}): neither a cpio archive nor a compressed one; the initramfs is corrupt, or an archive is not 4-byte aligned`,
        );
        return;
      }
      const next = await this.compressed(pos, index, kind);
      if (next === undefined) return;
      pos = next;
    }
  }

  /** Reads a run of plain members at `pos`; returns where the next segment starts. */
  private plain(pos: number, index: number): number | undefined {
    const segment: InitramfsSegment = {
      offset: pos,
      compression: 'none',
      size: 0,
      decompressedSize: 0,
    };
    this.result.segments.push(segment);
    const parser = new NewcParser(this, index, pos, true);
    try {
      const stop = parser.feed(this.data, pos);
      segment.size = segment.decompressedSize = parser.lastMemberEnd - pos;
      if (stop === this.data.length) {
        const cut = parser.finish();
        if (cut) {
          this.fail(index, pos, cut);
          return undefined;
        }
      }
      return stop;
    } catch (e: unknown) {
      segment.size = segment.decompressedSize = parser.lastMemberEnd - pos;
      this.fail(index, pos, errorMessage(e));
      return undefined;
    }
  }

  /** Decompresses the stream at `pos` into the cpio parser; returns where the next segment starts. */
  private async compressed(
    pos: number,
    index: number,
    kind: Exclude<SegmentCompression, 'none'>,
  ): Promise<number | undefined> {
    const segment: InitramfsSegment = {
      offset: pos,
      compression: kind,
      size: 0,
      decompressedSize: 0,
    };
    this.result.segments.push(segment);
    const parser = new NewcParser(this, index, 0);
    const budget = Math.min(this.limits.maxSegmentSize, this.limits.maxTotalSize - this.totalOut);
    try {
      const consumed = await decodeSegment(
        kind,
        this.data,
        pos,
        (chunk) => {
          segment.decompressedSize += chunk.length;
          const stop = parser.feed(chunk);
          if (stop < chunk.length) {
            throw new CpioFormatError(
              `junk within the compressed archive at decompressed offset ${parser.position}`,
            );
          }
        },
        budget,
      );
      segment.size = consumed;
      this.totalOut += segment.decompressedSize;
      const cut = parser.finish();
      if (cut) {
        this.fail(index, pos, `${cut} (junk or a cut at the end of the compressed archive)`);
        return undefined;
      }
      return pos + consumed;
    } catch (e: unknown) {
      segment.size = this.data.length - pos;
      const why =
        budget < this.limits.maxSegmentSize && /limit/.test(errorMessage(e))
          ? `${errorMessage(e)}; all segments together may hold at most ${this.limits.maxTotalSize} bytes`
          : errorMessage(e);
      this.fail(index, pos, `the ${kind} stream cannot be read: ${why}`);
      return undefined;
    }
  }

  private fail(index: number, pos: number, why: string): void {
    this.result.problems.push(
      `initramfs segment ${index} at offset ${pos}: ${why}; the kernel stops unpacking here, so nothing after it reaches the node: rebuild the initramfs or check how it was copied`,
    );
  }
}

/** Later bodies are written over earlier ones from offset 0 (no O_TRUNC on a linked name). */
function overlay(
  old: Uint8Array | undefined,
  next: Uint8Array | undefined,
): Uint8Array | undefined {
  if (!old || old.length === 0) return next ?? old;
  if (!next || next.length === 0) return old;
  if (next.length >= old.length) return next;
  const out = old.slice();
  out.set(next);
  return out;
}

function definedOnly(options: WalkInitramfsOptions): Partial<Limits> {
  const out: Partial<Limits> = {};
  for (const key of Object.keys(DEFAULTS) as (keyof Limits)[]) {
    const value = (options as Partial<Limits>)[key];
    if (typeof value === 'number' && value >= 0) out[key] = value;
  }
  return out;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes)
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
}
