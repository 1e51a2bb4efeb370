/**
 * A push parser for cpio `newc` archives (magic 070701, and 070702 with a checksum), fed in chunks
 * the way the kernel's init/initramfs.c `write_buffer` state machine is: a 110-byte ASCII header,
 * the NUL-terminated name padded so the body starts 4-byte aligned, the body padded to 4 bytes.
 * After every member (not only after `TRAILER!!!`) the kernel is in its Reset state: any number of
 * zero bytes may follow, and a `0` at an aligned offset starts the next header. The trailer only
 * ends the hard-link groups. Alignment is counted from `position`, which the caller sets (absolute
 * offset for plain segments, 0 for a decompressed stream), exactly as the kernel's `this_header`.
 */
import type { InitramfsEntry, InitramfsEntryType } from '../types';

const HEADER_SIZE = 110;
/** The kernel refuses names longer than PATH_MAX (init/initramfs.c do_header). */
const PATH_MAX = 4096;
const TRAILER = 'TRAILER!!!';
/** Bodies up to this size get their whole buffer at once. */
const UPFRONT_LIMIT = 64 * 1024 * 1024;

/** What the parser needs from the walk: limits, where entries go, and how to report. */
export interface NewcSink {
  want(path: string): boolean;
  maxFileSize: number;
  maxEntries: number;
  /**
   * Receives each complete entry. `body` is the member's data for wanted regular files and for
   * every member of a hard-link group (`link`), within maxFileSize; `tooLarge` says a body that
   * was needed was over it.
   */
  entry(member: {
    entry: InitramfsEntry;
    body: Uint8Array | undefined;
    wanted: boolean;
    link: LinkKey | undefined;
    tooLarge: boolean;
  }): void;
  entryCount(): number;
  /** A `TRAILER!!!` member: hard-link groups end here. */
  trailer(): void;
}

/** Identifies a hard-link group (nlink ≥ 2) as the kernel's find_link does. */
export interface LinkKey {
  key: string;
}

/** Thrown inside the parser for malformed input; the walk turns it into a problem. */
export class CpioFormatError extends Error {
  override readonly name = 'CpioFormatError';
}

type State = 'header' | 'name' | 'body' | 'pad' | 'reset';

interface Header {
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  fileSize: number;
  devMajor: number;
  devMinor: number;
  nameSize: number;
}

/** Parses one stream of concatenated newc archives; see the module comment. */
export class NewcParser {
  /** Stream position of the next byte, for alignment (the kernel's this_header). */
  position: number;
  private state: State = 'reset';
  private readonly headerBuf = new Uint8Array(HEADER_SIZE);
  private nameBuf = new Uint8Array(0);
  private need = 0;
  private have = 0;
  private header: Header | undefined;
  private path = '';
  private body: Uint8Array | undefined;
  private bodyHave = 0;
  private keep = false;
  private wanted = false;
  private isTrailer = false;
  private trailers = 0;
  /** Stream position just after the last complete member (its padding excluded). */
  lastMemberEnd: number;

  /**
   * @param stableInput the chunks fed are the caller's own bytes (a plain segment), which stay
   *   valid, so whole bodies are kept as views; decompressed chunks are copied.
   */
  constructor(
    private readonly sink: NewcSink,
    private readonly segment: number,
    position: number,
    private readonly stableInput = false,
  ) {
    this.position = position;
    this.lastMemberEnd = position;
  }

  /** How many `TRAILER!!!` members were read. */
  get trailerCount(): number {
    return this.trailers;
  }

  /**
   * Consumes `chunk` from `at`; returns the index where it stopped. It stops early only between
   * members, at an aligned non-zero byte that is not `0` (the caller decides what that byte is:
   * a compressed segment in a plain run, junk in a decompressed one). Throws
   * {@link CpioFormatError} on malformed input.
   */
  feed(chunk: Uint8Array, at = 0): number {
    let i = at;
    while (i < chunk.length) {
      switch (this.state) {
        case 'reset': {
          while (i < chunk.length && chunk[i] === 0) {
            i++;
            this.position++;
          }
          if (i >= chunk.length) return i;
          if (chunk[i] !== 0x30 /* '0' */ || (this.position & 3) !== 0) {
            if ((this.position & 3) !== 0) {
              throw new CpioFormatError(
                `broken padding: data resumes at unaligned stream offset ${this.position}`,
              );
            }
            return i;
          }
          this.state = 'header';
          this.have = 0;
          break;
        }
        case 'header': {
          const n = Math.min(HEADER_SIZE - this.have, chunk.length - i);
          this.headerBuf.set(chunk.subarray(i, i + n), this.have);
          this.have += n;
          i += n;
          this.position += n;
          if (this.have === HEADER_SIZE) this.startName();
          break;
        }
        case 'name': {
          const n = Math.min(this.need - this.have, chunk.length - i);
          this.nameBuf.set(chunk.subarray(i, i + n), this.have);
          this.have += n;
          i += n;
          this.position += n;
          if (this.have === this.need) this.endName();
          break;
        }
        case 'body': {
          const header = this.header as Header;
          const n = Math.min(header.fileSize - this.bodyHave, chunk.length - i);
          if (this.body) {
            if (this.stableInput && this.bodyHave === 0 && n === header.fileSize) {
              // A plain segment's body lies whole in the caller's input: keep a view, no copy.
              this.body = chunk.subarray(i, i + n);
            } else {
              this.body = append(
                this.body,
                this.bodyHave,
                chunk.subarray(i, i + n),
                header.fileSize,
              );
            }
          }
          this.bodyHave += n;
          i += n;
          this.position += n;
          if (this.bodyHave === header.fileSize) this.endBody();
          break;
        }
        case 'pad': {
          while (i < chunk.length && (this.position & 3) !== 0) {
            i++;
            this.position++;
          }
          if ((this.position & 3) === 0) this.state = 'reset';
          break;
        }
      }
    }
    return i;
  }

  /** Called at the end of the stream: an archive cut short is a problem. */
  finish(): string | undefined {
    if (this.state === 'reset') return undefined;
    return `cpio archive is truncated inside a member${this.path ? ` (${this.path})` : ''} at stream offset ${this.position}`;
  }

  private startName(): void {
    const h = this.headerBuf;
    const magic = String.fromCharCode(...h.subarray(0, 6));
    if (magic === '070707') {
      throw new CpioFormatError(
        `cpio archive at stream offset ${this.position - HEADER_SIZE} is in the old portable format (070707); the kernel reads only newc: make it with cpio -H newc`,
      );
    }
    if (magic !== '070701' && magic !== '070702') {
      throw new CpioFormatError(
        `no cpio magic at stream offset ${this.position - HEADER_SIZE} (found ${JSON.stringify(magic)}, expected 070701 or 070702)`,
      );
    }
    const field = (n: number): number => {
      let v = 0;
      for (let k = 6 + n * 8; k < 14 + n * 8; k++) {
        const c = h[k] ?? 0;
        const d =
          c >= 0x30 && c <= 0x39
            ? c - 0x30
            : c >= 0x41 && c <= 0x46
              ? c - 0x37
              : c >= 0x61 && c <= 0x66
                ? c - 0x57
                : -1;
        if (d < 0) {
          throw new CpioFormatError(
            `cpio header at stream offset ${this.position - HEADER_SIZE} has a non-hex field ${n}`,
          );
        }
        v = v * 16 + d;
      }
      return v;
    };
    const header: Header = {
      ino: field(0),
      mode: field(1),
      uid: field(2),
      gid: field(3),
      nlink: field(4),
      mtime: field(5),
      fileSize: field(6),
      devMajor: field(7),
      devMinor: field(8),
      nameSize: field(11),
    };
    if (header.nameSize === 0 || header.nameSize > PATH_MAX) {
      throw new CpioFormatError(
        `cpio member at stream offset ${this.position - HEADER_SIZE} has a name of ${header.nameSize} bytes (1 to ${PATH_MAX} allowed)`,
      );
    }
    this.header = header;
    // The name is padded so that header + name is a multiple of 4 (the kernel's N_ALIGN).
    this.need = (((header.nameSize + 1) & ~3) + 2) >>> 0;
    if (this.nameBuf.length < this.need) this.nameBuf = new Uint8Array(Math.max(this.need, 256));
    this.have = 0;
    this.state = 'name';
  }

  private endName(): void {
    const header = this.header as Header;
    const nameBytes = this.nameBuf.subarray(0, header.nameSize);
    if (nameBytes[header.nameSize - 1] !== 0) {
      throw new CpioFormatError(
        `cpio member name at stream offset ${this.position - this.need} is not NUL-terminated`,
      );
    }
    const raw = Buffer.from(nameBytes.buffer, nameBytes.byteOffset, header.nameSize - 1).toString(
      'utf8',
    );
    this.isTrailer = raw === TRAILER;
    this.keep = false;
    this.wanted = false;
    this.body = undefined;
    this.bodyHave = 0;
    if (this.isTrailer) {
      this.trailers++;
      this.lastMemberEnd = this.position + header.fileSize;
      this.sink.trailer();
      this.path = '';
      this.afterName(header.fileSize);
      return;
    }
    if (this.sink.entryCount() >= this.sink.maxEntries) {
      throw new CpioFormatError(
        `more than ${this.sink.maxEntries} entries; raise maxEntries if this initramfs is genuine`,
      );
    }
    this.path = normalizePath(raw);
    const type = typeOf(header.mode);
    if (type === 'symlink') {
      if (header.fileSize > PATH_MAX) {
        throw new CpioFormatError(
          `symlink ${this.path} has a ${header.fileSize}-byte target (at most ${PATH_MAX})`,
        );
      }
      this.body = new Uint8Array(0);
    } else if (type === 'file') {
      this.wanted = this.sink.want(this.path);
      // A hard link's data may belong to an earlier wanted name (cpio puts it in the last member).
      if ((this.wanted || header.nlink >= 2) && header.fileSize <= this.sink.maxFileSize) {
        this.keep = true;
        this.body = new Uint8Array(0);
      }
    }
    this.afterName(header.fileSize);
  }

  private afterName(bodySize: number): void {
    if (bodySize === 0) this.endBody();
    else this.state = 'body';
  }

  private endBody(): void {
    this.state = (this.position & 3) === 0 ? 'reset' : 'pad';
    if (!this.isTrailer) this.emit();
  }

  private emit(): void {
    const header = this.header as Header;
    const type = typeOf(header.mode);
    const entry: InitramfsEntry = {
      path: this.path,
      type,
      mode: header.mode,
      uid: header.uid,
      gid: header.gid,
      mtime: header.mtime,
      size: header.fileSize,
      segment: this.segment,
    };
    if (type === 'symlink' && this.body) {
      entry.target = Buffer.from(this.body.buffer, this.body.byteOffset, header.fileSize).toString(
        'utf8',
      );
    }
    const body = this.keep
      ? (this.body ?? new Uint8Array(0)).subarray(0, header.fileSize)
      : undefined;
    const link =
      type === 'file' && header.nlink >= 2
        ? { key: `${header.devMajor}:${header.devMinor}:${header.ino}` }
        : undefined;
    this.body = undefined;
    this.keep = false;
    this.lastMemberEnd = this.position;
    const tooLarge = (this.wanted || link !== undefined) && body === undefined;
    this.sink.entry({ entry, body, wanted: this.wanted, link, tooLarge });
  }
}

/**
 * Appends `bytes` at `length` to `buffer`, growing it as needed towards `cap` (the body size).
 */
function append(buffer: Uint8Array, length: number, bytes: Uint8Array, cap: number): Uint8Array {
  let out = buffer;
  if (length + bytes.length > out.length) {
    // Up to 64 MiB the size is taken at its word on the first chunk (the allocation is lazy and
    // bounded by maxFileSize); beyond, the buffer doubles with the data that really arrives.
    const size = cap <= UPFRONT_LIMIT ? cap : Math.max(length + bytes.length, out.length * 2, 4096);
    out = new Uint8Array(Math.min(cap, size));
    out.set(buffer.subarray(0, length));
  }
  out.set(bytes, length);
  return out;
}

/** The kernel creates members relative to /; `./a`, `/a` and `a` are the same file. */
function normalizePath(raw: string): string {
  let p = raw;
  for (;;) {
    if (p.startsWith('./')) p = p.slice(2);
    else if (p.startsWith('/')) p = p.slice(1);
    else break;
  }
  return p === '' ? '.' : p;
}

function typeOf(mode: number): InitramfsEntryType {
  switch (mode & 0o170000) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'directory';
    case 0o120000:
      return 'symlink';
    case 0o020000:
      return 'char-device';
    case 0o060000:
      return 'block-device';
    case 0o010000:
      return 'fifo';
    case 0o140000:
      return 'socket';
    default:
      return 'unknown';
  }
}
