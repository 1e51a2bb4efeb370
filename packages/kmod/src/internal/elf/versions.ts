/**
 * Symbol version CRCs. `__versions` is an array of `struct modversion_info { unsigned long crc;
 * char name[64 - sizeof(unsigned long)]; }` (64 bytes per entry on 32- and 64-bit). Kernels with
 * CONFIG_EXTENDED_MODVERSIONS add `__version_ext_crcs` (u32 each) and `__version_ext_names`
 * (NUL-terminated names) for symbols whose names do not fit.
 */
import { indexOfNul, intReader, latin1, utf8 } from '../bytes';

/** A symbol and the CRC of its exported prototype. */
export interface SymbolVersion {
  symbol: string;
  crc: number;
}

const ENTRY = 64;

/** Parses `__versions`; a trailing partial entry is reported in `problems`. */
export function parseVersions(
  section: Uint8Array,
  bits: 32 | 64,
  little: boolean,
  problems: string[],
): SymbolVersion[] {
  const out: SymbolVersion[] = [];
  const r = intReader(section, little);
  const crcSize = bits / 8;
  const count = Math.floor(section.length / ENTRY);
  if (section.length % ENTRY !== 0) {
    problems.push(`__versions is ${section.length} bytes, not a multiple of ${ENTRY}`);
  }
  // Decode once as latin1 (one char per byte, so offsets line up); names are ASCII in practice,
  // and any that is not is decoded again as UTF-8.
  const text = latin1(section);
  for (let i = 0; i < count; i++) {
    const base = i * ENTRY;
    const crc = crcSize === 4 ? r.u32(base) : r.u64(base);
    const nul = text.indexOf('\0', base + crcSize);
    const end = nul < 0 || nul > base + ENTRY ? base + ENTRY : nul;
    const name = text.slice(base + crcSize, end);
    out.push({
      symbol: /[^ -~]/.test(name) ? utf8(section, base + crcSize, end) : name,
      crc,
    });
  }
  return out;
}

/** Parses the extended version tables (names and CRCs pair up by index). */
export function parseExtendedVersions(
  names: Uint8Array,
  crcs: Uint8Array,
  little: boolean,
  problems: string[],
): SymbolVersion[] {
  const out: SymbolVersion[] = [];
  const r = intReader(crcs, little);
  const count = Math.floor(crcs.length / 4);
  let at = 0;
  for (let i = 0; i < count && at < names.length; i++) {
    const end = indexOfNul(names, at, names.length);
    out.push({ symbol: utf8(names, at, end), crc: r.u32(i * 4) });
    at = end + 1;
  }
  if (out.length !== count || at < names.length) {
    problems.push('__version_ext_names and __version_ext_crcs have different entry counts');
  }
  return out;
}
