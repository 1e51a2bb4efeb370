/**
 * Reads an ELF header and its section header table, 32- or 64-bit, either byte order, and finds
 * sections by name. Every offset and count from the file is checked against the file size before
 * it is used, so a hostile header can neither make us read out of bounds nor allocate.
 */
import type { ElfIdentity } from '../../types';
import { bytesEqualAscii, intReader, type IntReader } from '../bytes';
import { inBounds, type ByteSource } from '../source';
import { machineName } from './machines';

/** A section's place in the file. */
export interface ElfSection {
  offset: number;
  size: number;
  type: number;
}

/** A parsed ELF file: its identity and the requested sections that exist. */
export interface ElfFile {
  identity: ElfIdentity;
  little: boolean;
  sections: Map<string, ElfSection>;
  /** False when the section table (or its name table) could not be read; a problem says why. */
  sectionsReadable: boolean;
}

const SHT_NOBITS = 8;
const ET_REL = 1;
const SHN_XINDEX = 0xffff;

/** Field offsets of the ELF header and section header for one class. */
interface Layout {
  ehsize: number;
  shoff: number;
  shentsizeAt: number;
  shentsize: number;
  sh: { name: number; type: number; offset: number; size: number; link: number };
  word: (r: IntReader, at: number) => number;
}

const LAYOUT32: Layout = {
  ehsize: 52,
  shoff: 32,
  shentsizeAt: 46,
  shentsize: 40,
  sh: { name: 0, type: 4, offset: 16, size: 20, link: 24 },
  word: (r, at) => r.u32(at),
};

const LAYOUT64: Layout = {
  ehsize: 64,
  shoff: 40,
  shentsizeAt: 58,
  shentsize: 64,
  sh: { name: 0, type: 4, offset: 24, size: 32, link: 40 },
  word: (r, at) => r.u64(at),
};

/**
 * Parses the ELF header and section table of `src` and returns the sections named in `wanted`.
 * Returns undefined (with a problem pushed) when the file is not a usable ELF object.
 */
export function parseElf(
  src: ByteSource,
  wanted: readonly string[],
  problems: string[],
): ElfFile | undefined {
  if (src.size < 16) {
    problems.push(`file is too short to be an ELF module (${src.size} bytes)`);
    return undefined;
  }
  const ident = src.read(0, 16);
  if (ident[0] !== 0x7f || !bytesEqualAscii(ident, 1, 'ELF')) {
    problems.push('not an ELF file: the file does not start with \\x7fELF');
    return undefined;
  }
  const cls = ident[4];
  const data = ident[5];
  if (cls !== 1 && cls !== 2) {
    problems.push(`unsupported ELF class ${cls} (expected 1 for 32-bit or 2 for 64-bit)`);
    return undefined;
  }
  if (data !== 1 && data !== 2) {
    problems.push(`unsupported ELF data encoding ${data} (expected 1 little- or 2 big-endian)`);
    return undefined;
  }
  const layout = cls === 1 ? LAYOUT32 : LAYOUT64;
  const little = data === 1;
  if (src.size < layout.ehsize) {
    problems.push(`ELF header is truncated (${src.size} of ${layout.ehsize} bytes)`);
    return undefined;
  }
  const header = src.read(0, layout.ehsize);
  const h = intReader(header, little);
  const identity: ElfIdentity = {
    bits: cls === 1 ? 32 : 64,
    endianness: little ? 'little' : 'big',
    machine: h.u16(18),
    machineName: machineName(h.u16(18)),
    type: h.u16(16),
  };
  if (identity.type !== ET_REL) {
    problems.push(`ELF type is ${identity.type}, but kernel modules are relocatable objects (1)`);
  }
  const table = readSectionTable(src, header, h, layout, problems);
  if (!table) return { identity, little, sections: new Map(), sectionsReadable: false };
  const sections = findSections(src, table, layout, little, wanted, problems);
  return { identity, little, sections: sections ?? new Map(), sectionsReadable: !!sections };
}

interface SectionTable {
  bytes: Uint8Array;
  count: number;
  shstrndx: number;
}

function readSectionTable(
  src: ByteSource,
  header: Uint8Array,
  h: IntReader,
  layout: Layout,
  problems: string[],
): SectionTable | undefined {
  const shoff = layout.word(h, layout.shoff);
  const shentsize = h.u16(layout.shentsizeAt);
  let count = h.u16(layout.shentsizeAt + 2);
  let shstrndx = h.u16(layout.shentsizeAt + 4);
  if (shoff === 0) {
    problems.push('ELF file has no section header table');
    return undefined;
  }
  if (shentsize !== layout.shentsize) {
    problems.push(`ELF section header size is ${shentsize}, expected ${layout.shentsize}`);
    return undefined;
  }
  if (!inBounds(src.size, shoff, shentsize)) {
    problems.push(`ELF section header table at offset ${shoff} lies beyond the file end`);
    return undefined;
  }
  if (count === 0 || shstrndx === SHN_XINDEX) {
    // Extended numbering: the real values live in section header 0.
    const first = intReader(src.read(shoff, shentsize), header[5] === 1);
    if (count === 0) count = layout.word(first, layout.sh.size);
    if (shstrndx === SHN_XINDEX) shstrndx = first.u32(layout.sh.link);
  }
  const tableSize = count * shentsize;
  if (!inBounds(src.size, shoff, tableSize)) {
    problems.push(
      `ELF section header table (${count} entries at offset ${shoff}) runs past the file end (${src.size} bytes)`,
    );
    return undefined;
  }
  if (shstrndx >= count) {
    problems.push(`ELF section name table index ${shstrndx} is out of range (${count} sections)`);
    return undefined;
  }
  return { bytes: src.read(shoff, tableSize), count, shstrndx };
}

function findSections(
  src: ByteSource,
  table: SectionTable,
  layout: Layout,
  little: boolean,
  wanted: readonly string[],
  problems: string[],
): Map<string, ElfSection> | undefined {
  const found = new Map<string, ElfSection>();
  const r = intReader(table.bytes, little);
  const at = (i: number): ElfSection & { name: number } => {
    const base = i * layout.shentsize;
    return {
      name: r.u32(base + layout.sh.name),
      type: r.u32(base + layout.sh.type),
      offset: layout.word(r, base + layout.sh.offset),
      size: layout.word(r, base + layout.sh.size),
    };
  };
  const strtab = at(table.shstrndx);
  if (strtab.type === SHT_NOBITS || !inBounds(src.size, strtab.offset, strtab.size)) {
    problems.push(
      `ELF section name table (offset ${strtab.offset}, ${strtab.size} bytes) lies outside the file`,
    );
    return undefined;
  }
  const names = src.read(strtab.offset, strtab.size);
  for (let i = 1; i < table.count; i++) {
    const s = at(i);
    const name = wanted.find(
      (w) => bytesEqualAscii(names, s.name, w) && names[s.name + w.length] === 0,
    );
    if (name === undefined || found.has(name)) continue;
    if (s.type !== SHT_NOBITS && !inBounds(src.size, s.offset, s.size)) {
      problems.push(
        `ELF section ${name} (offset ${s.offset}, ${s.size} bytes) runs past the file end (${src.size} bytes)`,
      );
      continue;
    }
    found.set(name, { offset: s.offset, size: s.type === SHT_NOBITS ? 0 : s.size, type: s.type });
  }
  return found;
}
