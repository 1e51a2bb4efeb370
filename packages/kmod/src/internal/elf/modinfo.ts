/**
 * The `.modinfo` section: NUL-separated `key=value` strings (MODULE_LICENSE, MODULE_FIRMWARE,
 * modpost's depends/name/vermagic…). Empty strings (alignment padding) are skipped, as kmod does.
 */
import { bytesEqualAscii, utf8 } from '../bytes';

/** One `.modinfo` entry; a string without '=' becomes a key with an empty value. */
export interface ModinfoEntry {
  key: string;
  value: string;
}

/** Splits a `.modinfo` section into entries in file order. */
export function parseModinfo(section: Uint8Array): ModinfoEntry[] {
  // One UTF-8 decode for the whole section: NUL never occurs inside a multi-byte sequence.
  const entries: ModinfoEntry[] = [];
  for (const s of utf8(section).split('\0')) {
    if (s === '') continue;
    const eq = s.indexOf('=');
    entries.push(eq < 0 ? { key: s, value: '' } : { key: s.slice(0, eq), value: s.slice(eq + 1) });
  }
  return entries;
}

/**
 * Calls `visit` for each entry whose key is one of `keys`, in file order, decoding only those
 * values: a driver's hundreds of `alias=` and `parm=` entries are never turned into strings.
 * Equivalent to filtering {@link parseModinfo}'s entries by key.
 */
export function forEachModinfoValue(
  section: Uint8Array,
  keys: readonly string[],
  visit: (key: string, value: string) => void,
): void {
  for (let at = 0; at < section.length;) {
    let end = section.indexOf(0, at);
    if (end < 0) end = section.length;
    for (const key of keys) {
      const eq = at + key.length;
      if (eq < end && section[eq] === EQUALS && bytesEqualAscii(section, at, key)) {
        visit(key, utf8(section, eq + 1, end));
        break;
      }
    }
    at = end + 1;
  }
}

const EQUALS = 0x3d;
