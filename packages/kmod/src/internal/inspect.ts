/**
 * Builds a {@link ModuleInfo} or a {@link ModuleSummary} from a module's (uncompressed) bytes: ELF
 * sections, `.modinfo`, symbol versions (full reads only) and the appended signature. Reads only
 * what it needs from the source and never throws: anything unexpected becomes a problem.
 */
import type { Compression, ModuleInfo, ModuleSummary } from '../types';
import { kernelReleaseOf } from '../kernel-release';
import { parseElf, type ElfFile } from './elf/elf-file';
import { forEachModinfoValue, parseModinfo } from './elf/modinfo';
import { parseExtendedVersions, parseVersions, type SymbolVersion } from './elf/versions';
import { readSignatureTrailer, type SignatureTrailer } from './signature/trailer';
import type { ByteSource } from './source';
import type { CertificateInfo } from '../certificate';
import { judgeSignature, type ContentFeed } from './verify/judge-signature';

const FULL_SECTIONS = ['.modinfo', '__versions', '__version_ext_names', '__version_ext_crcs'];
const SUMMARY_SECTIONS = ['.modinfo'];
/** The `.modinfo` keys a {@link ModuleSummary} holds. */
const SUMMARY_KEYS = ['name', 'vermagic', 'depends', 'firmware', 'license', 'srcversion', 'intree'];

interface InspectOptions {
  fileName?: string;
  compression?: Compression;
  /** Verify the signature against these, hashing the content read through `feed`. */
  verify?: {
    certificates: readonly CertificateInfo[];
    revoked?: readonly CertificateInfo[];
    feed: ContentFeed;
  };
}

/** Inspects `src` fully; the signature trailer is returned too so verification can reuse it. */
export function inspectSource(
  src: ByteSource,
  options: InspectOptions = {},
): { info: ModuleInfo; trailer: SignatureTrailer } {
  const info: ModuleInfo = { ...emptySummary(src, options), modinfo: [], versions: [] };
  const trailer = readModuleParts(src, info, FULL_SECTIONS, (elf, section) => {
    const modinfo = section('.modinfo');
    if (modinfo !== undefined) {
      const entries = parseModinfo(modinfo);
      info.modinfo = entries;
      for (const { key, value } of entries) applyModinfoEntry(info, key, value);
    }
    finishModinfo(info, modinfo !== undefined);
    const versions: SymbolVersion[] = [];
    const v = section('__versions');
    if (v) versions.push(...parseVersions(v, elf.identity.bits, elf.little, info.problems));
    const extNames = section('__version_ext_names');
    const extCrcs = section('__version_ext_crcs');
    if (extNames && extCrcs) {
      versions.push(...parseExtendedVersions(extNames, extCrcs, elf.little, info.problems));
    }
    info.versions = versions;
  });
  verifyInto(info, trailer, options);
  return { info, trailer };
}

/**
 * Inspects `src` for a {@link ModuleSummary}: only the ELF header, the section table, the
 * `.modinfo` entries a summary holds (the others are never decoded) and the signature are read.
 */
export function summarizeSource(src: ByteSource, options: InspectOptions = {}): ModuleSummary {
  const info = emptySummary(src, options);
  const trailer = readModuleParts(src, info, SUMMARY_SECTIONS, (_elf, section) => {
    const modinfo = section('.modinfo');
    if (modinfo !== undefined) {
      forEachModinfoValue(modinfo, SUMMARY_KEYS, (key, value) =>
        applyModinfoEntry(info, key, value),
      );
    }
    finishModinfo(info, modinfo !== undefined);
  });
  verifyInto(info, trailer, options);
  return info;
}

function verifyInto(info: ModuleSummary, trailer: SignatureTrailer, options: InspectOptions): void {
  const v = options.verify;
  if (!v) return;
  try {
    info.verification = judgeSignature(trailer, info.problems, v.feed, v.certificates, v.revoked);
  } catch (e: unknown) {
    // Defence in depth, as in readModuleParts: the judge checks its input, so this is a bug.
    info.verification = {
      verdict: 'unsupported',
      reason: `verification failed unexpectedly: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}

function emptySummary(src: ByteSource, options: InspectOptions): ModuleSummary {
  return {
    ...(options.fileName !== undefined ? { fileName: options.fileName } : {}),
    compression: options.compression ?? 'none',
    size: src.size,
    depends: [],
    firmware: [],
    intree: false,
    signed: false,
    problems: [],
  };
}

/** Reads the ELF header and the `wanted` sections (via `readSections`), then the signature. */
function readModuleParts(
  src: ByteSource,
  info: ModuleSummary,
  wanted: readonly string[],
  readSections: (elf: ElfFile, section: (name: string) => Uint8Array | undefined) => void,
): SignatureTrailer {
  const problems = info.problems;
  let trailer: SignatureTrailer = { signed: false };
  try {
    const elf = parseElf(src, wanted, problems);
    if (elf) {
      info.elf = elf.identity;
      if (elf.sectionsReadable) {
        const section = (name: string): Uint8Array | undefined => {
          const s = elf.sections.get(name);
          return s ? src.read(s.offset, s.size) : undefined;
        };
        readSections(elf, section);
      }
    }
    trailer = readSignatureTrailer(src, problems);
    info.signed = trailer.signed;
    if (trailer.signature) info.signature = trailer.signature;
  } catch (e: unknown) {
    // Defence in depth: the readers check bounds themselves, so this is a bug, not bad input.
    problems.push(
      `internal error while reading the module: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return trailer;
}

/** Applies one `.modinfo` entry (in file order) to the fields it sets. */
function applyModinfoEntry(info: ModuleSummary, key: string, value: string): void {
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

/** The problems of a missing `.modinfo` or vermagic, and the kernel release from vermagic. */
function finishModinfo(info: ModuleSummary, found: boolean): void {
  if (!found) {
    info.problems.push('no .modinfo section: this is not a kernel module');
  } else if (info.vermagic === undefined) {
    info.problems.push('.modinfo has no vermagic: the kernel will refuse to load this module');
  } else {
    const release = kernelReleaseOf(info.vermagic);
    if (release) info.kernelRelease = release;
  }
}
