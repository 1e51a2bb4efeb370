/**
 * Just enough of ELF (the System V gABI) to find a vmlinux's machine and its sections by name:
 * the section header table and the section name string table, bounds-checked against the file.
 */

/** One section's name and byte range in the file. */
export interface ElfSection {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

/** What the ELF header and section table say. */
export interface ElfInfo {
  readonly machine: number;
  readonly sections: ElfSection[];
}

const MAX_SECTIONS = 4096;

/** Whether `bytes` start with the ELF magic. */
export function isElf(bytes: Uint8Array): boolean {
  return bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/** Reads the ELF header and sections; sections past the file's end are dropped. */
export function readElfSections(bytes: Uint8Array): ElfInfo | undefined {
  if (!isElf(bytes) || bytes.length < 52) return undefined;
  const is64 = bytes[4] === 2;
  const little = bytes[5] !== 2;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => (at + 2 <= bytes.length ? view.getUint16(at, little) : 0);
  const u32 = (at: number) => (at + 4 <= bytes.length ? view.getUint32(at, little) : 0);
  const word = (at: number) =>
    is64 ? Number(at + 8 <= bytes.length ? view.getBigUint64(at, little) : 0n) : u32(at);
  const machine = u16(18);
  const shoff = word(is64 ? 0x28 : 0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = Math.min(u16(is64 ? 0x3c : 0x30), MAX_SECTIONS);
  const shstrndx = u16(is64 ? 0x3e : 0x32);
  if (shoff === 0 || shentsize < (is64 ? 64 : 40) || shoff + shnum * shentsize > bytes.length) {
    return { machine, sections: [] };
  }
  const header = (i: number) => {
    const at = shoff + i * shentsize;
    return {
      nameOff: u32(at),
      offset: word(at + (is64 ? 0x18 : 0x10)),
      size: word(at + (is64 ? 0x20 : 0x14)),
      type: u32(at + 4),
    };
  };
  const strtab = shstrndx < shnum ? header(shstrndx) : undefined;
  const sections: ElfSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const h = header(i);
    if (h.type === 8 /* SHT_NOBITS */ || h.offset + h.size > bytes.length) continue;
    let name = '';
    if (strtab && strtab.offset + strtab.size <= bytes.length) {
      const from = strtab.offset + h.nameOff;
      for (let k = from; k < strtab.offset + strtab.size && bytes[k] !== 0 && k - from < 64; k++) {
        name += String.fromCharCode(bytes[k] ?? 0);
      }
    }
    sections.push({ name, offset: h.offset, size: h.size });
  }
  return { machine, sections };
}

/**
 * Whether `bytes` are a kernel module (`.ko`): an ELF with the `.gnu.linkonce.this_module` section
 * that holds its `struct module` (modpost puts it in every module; a vmlinux never has it).
 */
export function isKernelModuleElf(bytes: Uint8Array): boolean {
  return (
    readElfSections(bytes)?.sections.some((s) => s.name === '.gnu.linkonce.this_module') ?? false
  );
}
