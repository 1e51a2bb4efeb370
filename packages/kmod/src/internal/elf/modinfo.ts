/**
 * The `.modinfo` section: NUL-separated `key=value` strings (MODULE_LICENSE, MODULE_FIRMWARE,
 * modpost's depends/name/vermagic…). Empty strings (alignment padding) are skipped, as kmod does.
 */
import { utf8 } from '../bytes';

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
