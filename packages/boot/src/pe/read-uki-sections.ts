/**
 * The sections of a unified kernel image (systemd's UKI specification): `.linux` (the kernel image
 * the stub boots), `.initrd`, `.cmdline`, `.uname` (kernel release), `.osrel` (os-release), `.sbat`.
 */
import { peSectionData, readPeSections, type PeSection } from './read-pe-sections';

/** What a UKI carries. Text sections are decoded as UTF-8 with trailing NULs and newlines dropped. */
export interface UkiSections {
  readonly sections: PeSection[];
  /** The embedded kernel image (bzImage on x86, zboot or Image on arm64). */
  readonly linux?: Uint8Array;
  readonly initrd?: Uint8Array;
  readonly cmdline?: string;
  readonly uname?: string;
  readonly osrel?: Record<string, string>;
  readonly sbat?: string;
  readonly problems: string[];
}

const MAX_TEXT = 1 << 20;

function text(data: Uint8Array | undefined, name: string, problems: string[]): string | undefined {
  if (!data) return undefined;
  if (data.length > MAX_TEXT) {
    problems.push(
      `UKI section ${name} holds ${data.length} bytes, more than ${MAX_TEXT} for text; ignored`,
    );
    return undefined;
  }
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    .toString('utf8')
    .replace(/[\0\s]+$/, '');
}

/** Parses os-release text (`KEY=value`, values optionally quoted) as systemd does. */
export function parseOsRelease(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of body.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m?.[1]) continue;
    let value = (m[2] ?? '').trim();
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) {
      value = value.slice(1, -1).replace(/\\(["'\\$`])/g, '$1');
    }
    out[m[1]] = value;
  }
  return out;
}

/** Reads the UKI sections of a PE file; problems say what is missing or damaged. */
export function readUkiSections(bytes: Uint8Array): UkiSections {
  const { sections, problems } = readPeSections(bytes);
  const data = (name: string) => peSectionData(bytes, sections, name);
  const linux = data('.linux');
  if (sections.length > 0 && !linux) problems.push('PE file has no .linux section: not a UKI');
  const initrd = data('.initrd');
  const cmdline = text(data('.cmdline'), '.cmdline', problems);
  const uname = text(data('.uname'), '.uname', problems);
  const osrelText = text(data('.osrel'), '.osrel', problems);
  const sbat = text(data('.sbat'), '.sbat', problems);
  return {
    sections,
    ...(linux ? { linux } : {}),
    ...(initrd ? { initrd } : {}),
    ...(cmdline !== undefined ? { cmdline } : {}),
    ...(uname !== undefined ? { uname } : {}),
    ...(osrelText !== undefined ? { osrel: parseOsRelease(osrelText) } : {}),
    ...(sbat !== undefined ? { sbat } : {}),
    problems,
  };
}
