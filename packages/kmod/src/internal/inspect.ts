/**
 * Builds a {@link ModuleInfo} from a module's (uncompressed) bytes: ELF sections, `.modinfo`,
 * symbol versions and the appended signature. Reads only what it needs from the source and never
 * throws: anything unexpected becomes a problem.
 */
import type { Compression, ModuleInfo } from '../types';
import { kernelReleaseOf } from '../kernel-release';
import { parseElf } from './elf/elf-file';
import { parseModinfo, type ModinfoEntry } from './elf/modinfo';
import { parseExtendedVersions, parseVersions, type SymbolVersion } from './elf/versions';
import { readSignatureTrailer, type SignatureTrailer } from './signature/trailer';
import type { ByteSource } from './source';

const WANTED = ['.modinfo', '__versions', '__version_ext_names', '__version_ext_crcs'] as const;

/** Inspects `src`; the signature trailer is returned too so verification can reuse it. */
export function inspectSource(
  src: ByteSource,
  options: { fileName?: string; compression?: Compression } = {},
): { info: ModuleInfo; trailer: SignatureTrailer } {
  const problems: string[] = [];
  const info: ModuleInfo = {
    ...(options.fileName !== undefined ? { fileName: options.fileName } : {}),
    compression: options.compression ?? 'none',
    size: src.size,
    modinfo: [],
    depends: [],
    firmware: [],
    intree: false,
    versions: [],
    signed: false,
    problems,
  };
  let trailer: SignatureTrailer = { signed: false };
  try {
    readElfParts(src, info, problems);
    trailer = readSignatureTrailer(src, problems);
    info.signed = trailer.signed;
    if (trailer.signature) info.signature = trailer.signature;
  } catch (e: unknown) {
    // Defence in depth: the readers check bounds themselves, so this is a bug, not bad input.
    problems.push(
      `internal error while reading the module: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return { info, trailer };
}

function readElfParts(src: ByteSource, info: ModuleInfo, problems: string[]): void {
  const elf = parseElf(src, WANTED, problems);
  if (!elf) return;
  info.elf = elf.identity;
  if (!elf.sectionsReadable) return;
  const section = (name: (typeof WANTED)[number]): Uint8Array | undefined => {
    const s = elf.sections.get(name);
    return s ? src.read(s.offset, s.size) : undefined;
  };
  const modinfo = section('.modinfo');
  if (modinfo === undefined) {
    problems.push('no .modinfo section: this is not a kernel module');
  } else {
    applyModinfo(info, parseModinfo(modinfo), problems);
  }
  const versions: SymbolVersion[] = [];
  const v = section('__versions');
  if (v) versions.push(...parseVersions(v, elf.identity.bits, elf.little, problems));
  const extNames = section('__version_ext_names');
  const extCrcs = section('__version_ext_crcs');
  if (extNames && extCrcs) {
    versions.push(...parseExtendedVersions(extNames, extCrcs, elf.little, problems));
  }
  info.versions = versions;
}

function applyModinfo(info: ModuleInfo, entries: ModinfoEntry[], problems: string[]): void {
  info.modinfo = entries;
  // One pass: a kernel's worth of modules goes through here.
  for (const { key, value } of entries) {
    switch (key) {
      case 'name':
        info.name ??= value;
        break;
      case 'vermagic':
        info.vermagic ??= value;
        break;
      case 'license':
        info.license ??= value;
        break;
      case 'srcversion':
        info.srcversion ??= value;
        break;
      case 'depends':
        for (const d of value.split(',')) if (d !== '') info.depends.push(d);
        break;
      case 'firmware':
        info.firmware.push(value);
        break;
      case 'intree':
        if (value === 'Y') info.intree = true;
        break;
    }
  }
  if (info.vermagic === undefined) {
    problems.push('.modinfo has no vermagic: the kernel will refuse to load this module');
  } else {
    const release = kernelReleaseOf(info.vermagic);
    if (release) info.kernelRelease = release;
  }
}
