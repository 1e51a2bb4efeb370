/**
 * A tiny ELF writer for unit tests: a relocatable object with the given sections, 32- or 64-bit,
 * either byte order, laid out like a kernel module (header, section contents, section name table,
 * section header table at the end).
 */

/** One section to write. */
export interface SectionSpec {
  name: string;
  data: Uint8Array;
  /** sh_type; PROGBITS (1) by default. */
  type?: number;
}

/** What to write. */
export interface ElfSpec {
  bits: 32 | 64;
  endian: 'little' | 'big';
  machine: number;
  /** e_type; ET_REL (1) by default. */
  type?: number;
  sections: SectionSpec[];
}

/** Where things landed, so tests can corrupt precise fields. */
export interface ElfLayout {
  bytes: Uint8Array;
  shoff: number;
  shentsize: number;
  /** Offset of each section's header, in spec order (index 0 is the first spec section). */
  headerOffsets: number[];
  /** Offset of each section's data, in spec order. */
  dataOffsets: number[];
}

/** Builds the ELF file described by `spec`. */
export function writeElf(spec: ElfSpec): ElfLayout {
  const is64 = spec.bits === 64;
  const little = spec.endian === 'little';
  const ehsize = is64 ? 64 : 52;
  const shentsize = is64 ? 64 : 40;
  const names = [...spec.sections.map((s) => s.name), '.shstrtab'];
  const nameOffsets: number[] = [];
  let strtab = '\0';
  for (const n of names) {
    nameOffsets.push(strtab.length);
    strtab += `${n}\0`;
  }
  const strtabBytes = new TextEncoder().encode(strtab);
  const dataOffsets: number[] = [];
  let at = ehsize;
  for (const s of spec.sections) {
    at = align(at, 8);
    dataOffsets.push(at);
    at += s.data.length;
  }
  const strtabOffset = at;
  at += strtabBytes.length;
  const shoff = align(at, 8);
  const count = spec.sections.length + 2; // NULL + sections + .shstrtab
  const total = shoff + count * shentsize;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  const word = (off: number, v: number): void => {
    if (is64) view.setBigUint64(off, BigInt(v), little);
    else view.setUint32(off, v, little);
  };
  bytes.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, little ? 1 : 2, 1, 0], 0);
  view.setUint16(16, spec.type ?? 1, little);
  view.setUint16(18, spec.machine, little);
  view.setUint32(20, 1, little);
  if (is64) {
    word(40, shoff);
    view.setUint16(52, ehsize, little);
    view.setUint16(58, shentsize, little);
    view.setUint16(60, count, little);
    view.setUint16(62, count - 1, little);
  } else {
    word(32, shoff);
    view.setUint16(40, ehsize, little);
    view.setUint16(46, shentsize, little);
    view.setUint16(48, count, little);
    view.setUint16(50, count - 1, little);
  }
  spec.sections.forEach((s, i) => bytes.set(s.data, dataOffsets[i] ?? 0));
  bytes.set(strtabBytes, strtabOffset);
  const headerOffsets: number[] = [];
  const header = (index: number, name: number, type: number, offset: number, size: number) => {
    const base = shoff + index * shentsize;
    view.setUint32(base, name, little);
    view.setUint32(base + 4, type, little);
    word(base + (is64 ? 24 : 16), offset);
    word(base + (is64 ? 32 : 20), size);
    return base;
  };
  spec.sections.forEach((s, i) => {
    headerOffsets.push(
      header(i + 1, nameOffsets[i] ?? 0, s.type ?? 1, dataOffsets[i] ?? 0, s.data.length),
    );
  });
  header(count - 1, nameOffsets[names.length - 1] ?? 0, 3, strtabOffset, strtabBytes.length);
  return { bytes, shoff, shentsize, headerOffsets, dataOffsets };
}

/** A `.modinfo` section from `key=value` strings (NUL-terminated, with alignment padding). */
export function modinfoSection(entries: readonly string[]): Uint8Array {
  return new TextEncoder().encode(entries.map((e) => `${e}\0\0`).join(''));
}

/** A `__versions` section: 64-byte `struct modversion_info` entries. */
export function versionsSection(
  bits: 32 | 64,
  endian: 'little' | 'big',
  versions: readonly { symbol: string; crc: number }[],
): Uint8Array {
  const out = new Uint8Array(versions.length * 64);
  const view = new DataView(out.buffer);
  versions.forEach((v, i) => {
    const base = i * 64;
    if (bits === 64) view.setBigUint64(base, BigInt(v.crc), endian === 'little');
    else view.setUint32(base, v.crc, endian === 'little');
    out.set(new TextEncoder().encode(v.symbol), base + bits / 8);
  });
  return out;
}

/** A plausible module for the given architecture. */
export function syntheticModule(
  spec: Omit<ElfSpec, 'sections'> & {
    modinfo?: string[];
    versions?: { symbol: string; crc: number }[];
  },
): ElfLayout {
  const modinfo = spec.modinfo ?? [
    'license=GPL',
    'firmware=acme/fw-1.bin',
    'firmware=acme/fw-2.bin',
    'srcversion=0123456789ABCDEF012345',
    'depends=libfoo,libbar',
    'name=acme',
    'vermagic=6.12.31-talos SMP preempt mod_unload aarch64',
  ];
  const versions = spec.versions ?? [
    { symbol: 'module_layout', crc: 0xdeadbeef },
    { symbol: '_printk', crc: 0x92997ed8 },
  ];
  return writeElf({
    ...spec,
    sections: [
      { name: '.text', data: new Uint8Array(32).fill(0x90) },
      { name: '.modinfo', data: modinfoSection(modinfo) },
      { name: '__versions', data: versionsSection(spec.bits, spec.endian, versions) },
    ],
  });
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
