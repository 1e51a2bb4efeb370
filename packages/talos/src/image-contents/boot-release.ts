/**
 * The kernel release a boot image carries, read from its headers without unpacking anything:
 *
 * - a UKI (`vmlinuz.efi`, a PE file) holds it in its `.uname` section (siderolabs/talos
 *   internal/pkg/uki adds one when it can find the release), else the kernel in its `.linux`
 *   section is read as below;
 * - an x86 bzImage holds a pointer at offset 0x20e of its setup header (magic `HdrS` at 0x202) to
 *   the version string `6.12.31-talos (builder@…) #1 SMP …` (Linux boot protocol, x86 boot.rst).
 */

/** Where the release came from. */
export type BootReleaseSource = 'uki-uname' | 'bzimage-header' | 'uki-linux-bzimage';

/** The release found, or why none was. */
export type BootRelease =
  | { readonly release: string; readonly source: BootReleaseSource }
  | { readonly release?: undefined; readonly reason: string };

interface PeSection {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

/** The section table of a PE file, or undefined when `b` is not one. */
function peSections(b: Buffer): PeSection[] | undefined {
  if (b.length < 0x40 || b.toString('latin1', 0, 2) !== 'MZ') return undefined;
  const pe = b.readUInt32LE(0x3c);
  if (pe + 24 > b.length || b.toString('latin1', pe, pe + 4) !== 'PE\0\0') return undefined;
  const count = b.readUInt16LE(pe + 6);
  const optional = b.readUInt16LE(pe + 20);
  const table = pe + 24 + optional;
  const sections: PeSection[] = [];
  for (let i = 0; i < count; i++) {
    const at = table + i * 40;
    if (at + 40 > b.length) break;
    const name = b.toString('latin1', at, at + 8).replace(/\0+$/, '');
    const virtualSize = b.readUInt32LE(at + 8);
    const rawSize = b.readUInt32LE(at + 16);
    const offset = b.readUInt32LE(at + 20);
    sections.push({ name, offset, size: Math.min(virtualSize || rawSize, rawSize || virtualSize) });
  }
  return sections;
}

function firstWord(text: string): string | undefined {
  const word = text
    .replace(/\0[\s\S]*$/, '')
    .trim()
    .split(/\s+/)[0];
  return word && /^[0-9]+\.[0-9]+/.test(word) ? word : undefined;
}

/** The release in an x86 bzImage setup header starting at `base`, if any. */
function bzImageRelease(b: Buffer, base: number): string | undefined {
  if (base + 0x210 > b.length || b.toString('latin1', base + 0x202, base + 0x206) !== 'HdrS')
    return undefined;
  const pointer = b.readUInt16LE(base + 0x20e);
  if (pointer === 0) return undefined;
  const at = base + pointer + 0x200;
  if (at >= b.length) return undefined;
  return firstWord(b.toString('latin1', at, Math.min(b.length, at + 256)));
}

/** Reads the kernel release from a boot image (UKI or bzImage). */
export function bootImageRelease(b: Buffer): BootRelease {
  const sections = peSections(b);
  const uname = sections?.find((s) => s.name === '.uname');
  if (uname && uname.offset + uname.size <= b.length) {
    const release = firstWord(b.toString('latin1', uname.offset, uname.offset + uname.size));
    if (release) return { release, source: 'uki-uname' };
  }
  const linux = sections?.find((s) => s.name === '.linux');
  if (linux) {
    const release = bzImageRelease(b, linux.offset);
    if (release) return { release, source: 'uki-linux-bzimage' };
  }
  const release = bzImageRelease(b, 0);
  if (release) return { release, source: 'bzimage-header' };
  return {
    reason: sections
      ? 'a PE file without a .uname section or an x86 kernel in .linux'
      : 'neither a PE (UKI) file nor an x86 bzImage',
  };
}
