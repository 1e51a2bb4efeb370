/**
 * Tar headers (POSIX ustar, with GNU long names and PAX extended headers), decoded from 512-byte
 * blocks. Used both to index archives on disk and to stream layers.
 */

/** Entry types as tar spells them. */
export type TarType =
  | 'file'
  | 'hardlink'
  | 'symlink'
  | 'char'
  | 'block'
  | 'directory'
  | 'fifo'
  | 'pax-header'
  | 'pax-global'
  | 'gnu-long-name'
  | 'gnu-long-link'
  | 'other';

/** A decoded header; `name`/`linkname` already include long-name and PAX overrides when applied. */
export interface TarHeader {
  name: string;
  linkname: string;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
}

/** Size of a tar block. */
export const blockSize = 512;

/** Largest PAX or GNU long-name entry accepted (they hold names and a few attributes). */
export const maxMetaSize = 1024 * 1024;

/** Bytes of padding after `size` bytes of content. */
export function padding(size: number): number {
  const r = size % blockSize;
  return r === 0 ? 0 : blockSize - r;
}

function readString(b: Buffer, offset: number, length: number): string {
  const end = b.indexOf(0, offset);
  return b.toString('utf8', offset, end === -1 || end > offset + length ? offset + length : end);
}

/** A header field that is not a non-negative integer tar can express: the header is corrupt. */
export class TarFieldError extends Error {}

/**
 * Reads a numeric field: octal digits (NUL/space padded), or GNU base-256 (top bit set). A
 * negative base-256 value, a non-octal character or a value past 2^53 is refused, so a size can
 * never be negative, fractional or infinite.
 */
function readNumber(b: Buffer, offset: number, length: number, field: string): number {
  const first = b[offset] ?? 0;
  if (first & 0x80) {
    // GNU base-256: big-endian two's complement with the top bit set; 0xff starts a negative value.
    if (first === 0xff) throw new TarFieldError(`negative ${field} (base-256)`);
    let value = first & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + (b[offset + i] ?? 0);
    if (!Number.isSafeInteger(value)) throw new TarFieldError(`${field} too large (base-256)`);
    return value;
  }
  const text = b
    .toString('latin1', offset, offset + length)
    .replace(/[\0 ]+$/g, '')
    .trim();
  if (!text) return 0;
  if (!/^[0-7]+$/.test(text)) {
    throw new TarFieldError(`${field} ${JSON.stringify(text.slice(0, 16))} is not octal`);
  }
  return parseInt(text, 8);
}

/** A PAX numeric value: decimal digits only (mtime may carry a fraction, dropped). */
function paxNumber(value: string, field: string, fraction = false): number {
  const m = (fraction ? /^(\d{1,16})(?:\.\d*)?$/ : /^(\d{1,16})$/).exec(value);
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new TarFieldError(`PAX ${field} ${JSON.stringify(value.slice(0, 24))} is not a size`);
  }
  return n;
}

const typeFlags: Record<string, TarType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'directory',
  '6': 'fifo',
  x: 'pax-header',
  g: 'pax-global',
  L: 'gnu-long-name',
  K: 'gnu-long-link',
};

/** True when a block is all zeros (end-of-archive marker). */
export function isZeroBlock(b: Buffer, offset = 0): boolean {
  for (let i = offset; i < offset + blockSize; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * Decodes the header block at `offset`; `undefined` for a zero block. Throws a
 * {@link TarFieldError} when the checksum is wrong or a number is not one (not a tar, or corrupt).
 */
export function decodeHeader(b: Buffer, offset = 0): TarHeader | undefined {
  if (isZeroBlock(b, offset)) return undefined;
  let sum = 0;
  for (let i = 0; i < blockSize; i++) {
    sum += i >= 148 && i < 156 ? 32 : (b[offset + i] ?? 0);
  }
  const stored = readNumber(b, offset + 148, 8, 'checksum');
  if (stored !== sum) throw new TarFieldError('invalid tar header checksum');
  const flag = String.fromCharCode(b[offset + 156] ?? 0);
  let name = readString(b, offset, 100);
  const magic = b.toString('latin1', offset + 257, offset + 263);
  if (magic.startsWith('ustar')) {
    const prefix = readString(b, offset + 345, 155);
    if (prefix && magic === 'ustar\u0000') name = `${prefix}/${name}`;
  }
  const type = typeFlags[flag] ?? (flag === '' ? 'file' : 'other');
  return {
    name,
    linkname: readString(b, offset + 157, 100),
    type: type === 'file' && name.endsWith('/') ? 'directory' : type,
    mode: readNumber(b, offset + 100, 8, 'mode'),
    uid: readNumber(b, offset + 108, 8, 'uid'),
    gid: readNumber(b, offset + 116, 8, 'gid'),
    size: readNumber(b, offset + 124, 12, 'size'),
    mtime: readNumber(b, offset + 136, 12, 'mtime'),
  };
}

/** True for entries that only carry metadata for the next one (PAX, GNU long names). */
export function isMetaType(type: TarType): boolean {
  return (
    type === 'pax-header' ||
    type === 'gnu-long-name' ||
    type === 'gnu-long-link' ||
    type === 'pax-global'
  );
}

/** Parses PAX extended header records (`<len> key=value\n`). */
export function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space === -1) break;
    const len = parseInt(data.toString('latin1', i, space), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = data.toString('utf8', space + 1, i + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

/** Pending overrides from PAX or GNU long-name entries for the next real entry. */
export interface PendingMeta {
  pax?: Record<string, string>;
  longName?: string;
  longLink?: string;
}

/** Applies pending PAX / GNU overrides to a header; throws a {@link TarFieldError} for a bad number. */
export function applyMeta(h: TarHeader, meta: PendingMeta): TarHeader {
  const out = { ...h };
  if (meta.longName !== undefined) out.name = meta.longName;
  if (meta.longLink !== undefined) out.linkname = meta.longLink;
  const pax = meta.pax;
  if (pax) {
    if (pax.path !== undefined) out.name = pax.path;
    if (pax.linkpath !== undefined) out.linkname = pax.linkpath;
    if (pax.size !== undefined) out.size = paxNumber(pax.size, 'size');
    if (pax.uid !== undefined) out.uid = paxNumber(pax.uid, 'uid');
    if (pax.gid !== undefined) out.gid = paxNumber(pax.gid, 'gid');
    if (pax.mtime !== undefined) out.mtime = paxNumber(pax.mtime, 'mtime', true);
  }
  if (out.type === 'file' && out.name.endsWith('/')) out.type = 'directory';
  return out;
}

/** A GNU long name/link body: NUL-terminated. */
export function decodeLongName(data: Buffer): string {
  const end = data.indexOf(0);
  return data.toString('utf8', 0, end === -1 ? data.length : end);
}

/** `./a/b/` → `a/b`; `/x` → `x`. */
export function normalizeTarPath(p: string): string {
  let s = p;
  while (s.startsWith('./')) s = s.slice(2);
  s = s
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\/\.\//g, '/')
    .replace(/\/{2,}/g, '/');
  return s === '.' ? '' : s;
}
