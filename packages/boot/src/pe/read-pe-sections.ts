/**
 * PE/COFF section tables (Microsoft PE format: DOS header `e_lfanew` at 0x3c, `PE\0\0`, COFF file
 * header, optional header, section headers). A UKI is a PE file whose named sections carry the
 * kernel, initrd and metadata (systemd's UKI specification); a section's content is
 * `PointerToRawData` for `VirtualSize` bytes, since `SizeOfRawData` is padded to the file alignment.
 */

/** One section header, with the byte range of its content in the file. */
export interface PeSection {
  /** Name as stored (up to 8 bytes, NULs dropped), e.g. `.linux`. */
  readonly name: string;
  readonly virtualAddress: number;
  readonly virtualSize: number;
  readonly rawOffset: number;
  readonly rawSize: number;
  /** Bytes of content in the file: min(VirtualSize or SizeOfRawData, SizeOfRawData, what the file holds). */
  readonly size: number;
}

/** The sections of a PE file, or why there are none (problems never throw). */
export interface PeSections {
  readonly sections: PeSection[];
  readonly problems: string[];
}

const MAX_SECTIONS = 96; // the PE loader's own limit

function u16(b: Uint8Array, at: number): number {
  return (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
}

function u32(b: Uint8Array, at: number): number {
  return (u16(b, at) | (u16(b, at + 2) << 16)) >>> 0;
}

/** Whether `bytes` start with a DOS header that points at a `PE\0\0` signature. */
export function isPeFile(bytes: Uint8Array): boolean {
  if (bytes[0] !== 0x4d || bytes[1] !== 0x5a || bytes.length < 0x40) return false;
  const pe = u32(bytes, 0x3c);
  return pe + 4 <= bytes.length && u32(bytes, pe) === 0x00004550;
}

/** Reads the section table of a PE file. */
export function readPeSections(bytes: Uint8Array): PeSections {
  const problems: string[] = [];
  if (!isPeFile(bytes))
    return { sections: [], problems: ['not a PE file: no MZ header pointing at PE\\0\\0'] };
  const pe = u32(bytes, 0x3c);
  const count = u16(bytes, pe + 6);
  const optionalSize = u16(bytes, pe + 20);
  const table = pe + 24 + optionalSize;
  if (count > MAX_SECTIONS)
    problems.push(`PE header claims ${count} sections; reading the first ${MAX_SECTIONS}`);
  const sections: PeSection[] = [];
  for (let i = 0; i < Math.min(count, MAX_SECTIONS); i++) {
    const at = table + i * 40;
    if (at + 40 > bytes.length) {
      problems.push(
        `PE section table ends at byte ${bytes.length}, before section ${i + 1} of ${count}`,
      );
      break;
    }
    let name = '';
    for (let k = 0; k < 8 && bytes[at + k] !== 0; k++)
      name += String.fromCharCode(bytes[at + k] ?? 0);
    const virtualSize = u32(bytes, at + 8);
    const virtualAddress = u32(bytes, at + 12);
    const rawSize = u32(bytes, at + 16);
    const rawOffset = u32(bytes, at + 20);
    const wanted = Math.min(virtualSize || rawSize, rawSize);
    const available = Math.max(0, Math.min(wanted, bytes.length - rawOffset));
    if (available < wanted) {
      problems.push(
        `PE section ${name} ends at byte ${rawOffset + wanted} but the file has ${bytes.length}: it is truncated`,
      );
    }
    sections.push({ name, virtualAddress, virtualSize, rawOffset, rawSize, size: available });
  }
  return { sections, problems };
}

/** The content of section `name`, or undefined. */
export function peSectionData(
  bytes: Uint8Array,
  sections: readonly PeSection[],
  name: string,
): Uint8Array | undefined {
  const s = sections.find((x) => x.name === name);
  return s ? bytes.subarray(s.rawOffset, s.rawOffset + s.size) : undefined;
}
