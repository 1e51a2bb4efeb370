/**
 * The `.modinfo` section: NUL-separated `key=value` strings (MODULE_LICENSE, MODULE_FIRMWARE,
 * modpost's depends/name/vermagic…). Empty strings (alignment padding) are skipped, as kmod does.
 */
import { indexOfNul, utf8 } from '../bytes';

/** One `.modinfo` entry; a string without '=' becomes a key with an empty value. */
export interface ModinfoEntry {
  key: string;
  value: string;
}

/** Splits a `.modinfo` section into entries in file order. */
export function parseModinfo(section: Uint8Array): ModinfoEntry[] {
  const entries: ModinfoEntry[] = [];
  let at = 0;
  while (at < section.length) {
    const end = indexOfNul(section, at, section.length);
    if (end > at) {
      const eq = section.subarray(at, end).indexOf(0x3d);
      entries.push(
        eq < 0
          ? { key: utf8(section, at, end), value: '' }
          : { key: utf8(section, at, at + eq), value: utf8(section, at + eq + 1, end) },
      );
    }
    at = end + 1;
  }
  return entries;
}
