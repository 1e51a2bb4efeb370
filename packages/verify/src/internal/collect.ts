/**
 * One pass over a file tree gathering what the checks need: every entry's metadata, and the
 * contents of only modules, `manifest.yaml`, udev rule files and installer boot assets. Each file
 * is summarised as it streams by and its bytes dropped, so memory stays bounded by the largest;
 * modules are read in place from the pieces the layer arrived in, never joined.
 */
import {
  readModuleSummary,
  type CertificateInfo,
  type SignatureVerification,
} from '@talos-kmod/kmod';
import { joinChunks, type FileChunks, type ImageFile } from '@talos-kmod/oci';
import {
  bootImageRelease,
  isModuleFile,
  moduleNameFromPath,
  normalizeModuleName,
  type BootRelease,
  type ImageEntry,
} from '@talos-kmod/talos';
import type { FileTree } from '@talos-kmod/oci';
import type { TrustedCertificates } from '../trusted-certificates';

/** What verification keeps of one module. */
export interface CollectedModule {
  readonly path: string;
  /** `name=` from .modinfo (normalized), else from the file name. */
  readonly name: string;
  readonly vermagic?: string;
  /** First word of vermagic. */
  readonly release?: string;
  readonly depends: readonly string[];
  readonly firmware: readonly string[];
  readonly signed: boolean;
  readonly signer?: string;
  readonly keyId?: string;
  readonly hashAlgo?: string;
  /** ELF machine name (`x86_64`, `aarch64`, …) when the file is ELF. */
  readonly machine?: string;
  /** What kmod found wrong with the file. */
  readonly problems: readonly string[];
  /** The signature verdict, when certificates were known as the module streamed by. */
  readonly verification?: SignatureVerification;
}

/** Everything gathered from one tree. */
export interface CollectedTree {
  readonly entries: readonly ImageEntry[];
  readonly manifestText?: string;
  readonly udevRules: readonly { path: string; text: string }[];
  readonly modules: readonly CollectedModule[];
  /** Kernel releases read from installer boot assets (`usr/install/<arch>/vmlinuz[.efi]`). */
  readonly bootReleases: readonly ({ path: string } & BootRelease)[];
  /**
   * Installer boot assets (`usr/install/<arch>/vmlinuz.efi`, `vmlinuz`, `initramfs.xz`), by path.
   * The installer check takes them out as it reads them (verifyInstaller), to free their memory.
   */
  readonly bootFiles: Map<string, Uint8Array>;
  /** The certificates of the tree's own kernel (`boot/vmlinuz`), when `readKernel` was given. */
  readonly kernel?: TrustedCertificates;
}

/** Options for {@link collectTree}. */
export interface CollectOptions {
  /** Which module files to read (default: every `.ko*` file). */
  readonly readModule?: (path: string) => boolean;
  /** Read manifest.yaml and udev rules (default true). */
  readonly readTexts?: boolean;
  /** Verify each module's signature against these certificates. */
  readonly certificates?: readonly CertificateInfo[];
  /** The certificates the kernel revokes: modules signed by them are judged refused. */
  readonly revokedCertificates?: readonly CertificateInfo[];
  /**
   * Reads the tree's own kernel (`boot/vmlinuz`, a kernel image's); without `certificates`,
   * modules that stream by after it are verified against its certificates.
   */
  readonly readKernel?: (bytes: Uint8Array, path: string) => Promise<TrustedCertificates>;
}

/** The kernel file of a kernel image. */
export const kernelFilePath = 'boot/vmlinuz';

const udevRulesFile = /(^|\/)udev\/rules\.d\/[^/]+\.rules$/;
const bootAsset = /^usr\/install\/[^/]+\/vmlinuz(\.efi)?$/;
const bootInitramfs = /^usr\/install\/[^/]+\/initramfs\.xz$/;

async function summarise(
  path: string,
  content: FileChunks,
  certificates: readonly CertificateInfo[] | undefined,
  revokedCertificates: readonly CertificateInfo[] | undefined,
): Promise<CollectedModule> {
  const info = await readModuleSummary(content, {
    fileName: path,
    ...(certificates ? { certificates } : {}),
    ...(revokedCertificates ? { revokedCertificates } : {}),
  });
  const sig = info.signature;
  return {
    path,
    name: info.name ? normalizeModuleName(info.name) : moduleNameFromPath(path),
    ...(info.vermagic !== undefined ? { vermagic: info.vermagic } : {}),
    ...(info.kernelRelease !== undefined ? { release: info.kernelRelease } : {}),
    depends: info.depends.map(normalizeModuleName),
    firmware: [...info.firmware],
    signed: info.signed,
    ...(info.elf ? { machine: info.elf.machineName } : {}),
    ...(sig ? { signer: sig.signer, keyId: sig.keyId, hashAlgo: sig.hashAlgo } : {}),
    problems: [...info.problems],
    ...(info.verification ? { verification: info.verification } : {}),
  };
}

/**
 * Larger than any piece the layer walk reuses (1 MiB, oci buffers/piece-pool.ts): a single piece
 * of this size or more spanning its whole buffer is the tar reader's buffer for one large file.
 */
const OWN_BUFFER_MIN = 2 * 1024 * 1024;

/**
 * A boot file's bytes in a buffer of their own, never a view into a piece the walk reuses: the
 * installer check frees a UKI's memory as soon as it has walked it (installer/release-buffer.ts).
 * The tar reader already hands a large file over as one buffer of its size; others are copied.
 */
function ownedBytes(content: FileChunks): Buffer {
  const only = content.length === 1 ? content[0] : undefined;
  if (
    only &&
    only.byteOffset === 0 &&
    only.byteLength === only.buffer.byteLength &&
    only.byteLength >= OWN_BUFFER_MIN
  ) {
    return only;
  }
  return Buffer.concat(content);
}

/** Walks `tree` once and returns what the checks need. */
export async function collectTree(
  tree: FileTree,
  options: CollectOptions = {},
): Promise<CollectedTree> {
  const readTexts = options.readTexts ?? true;
  const moduleWanted = options.readModule ?? (() => true);
  const entries: ImageEntry[] = [];
  const modules: CollectedModule[] = [];
  const udevRules: { path: string; text: string }[] = [];
  const bootReleases: ({ path: string } & BootRelease)[] = [];
  const bootFiles = new Map<string, Uint8Array>();
  let manifestText: string | undefined;
  let kernel: TrustedCertificates | undefined;
  let certificates = options.certificates;
  let revoked = options.revokedCertificates;
  const readKernel = options.readKernel;
  const want = (f: ImageFile): boolean =>
    (isModuleFile(f.path) && moduleWanted(f.path)) ||
    (readKernel !== undefined && f.path === kernelFilePath) ||
    (readTexts &&
      (f.path === 'manifest.yaml' ||
        udevRulesFile.test(f.path) ||
        bootAsset.test(f.path) ||
        bootInitramfs.test(f.path)));
  await tree.walk({
    want,
    onFile: async (f, content) => {
      entries.push({
        path: f.path,
        type: f.type,
        mode: f.mode,
        size: f.size,
        ...(f.linkTarget !== undefined ? { linkTarget: f.linkTarget } : {}),
      });
      if (!content) return;
      if (isModuleFile(f.path)) {
        modules.push(await summarise(f.path, content, certificates, revoked));
        return;
      }
      const boot = bootAsset.test(f.path) || bootInitramfs.test(f.path);
      const bytes = boot ? ownedBytes(content) : joinChunks(content);
      if (readKernel && f.path === kernelFilePath) {
        kernel = await readKernel(bytes, f.path);
        if (kernel.certificates.length > 0 && !certificates) {
          certificates = kernel.certificates;
          revoked = kernel.revoked;
        }
        return;
      }
      if (f.path === 'manifest.yaml') manifestText = bytes.toString('utf8');
      else if (bootAsset.test(f.path)) {
        bootReleases.push({ path: f.path, ...bootImageRelease(bytes) });
        bootFiles.set(f.path, bytes);
      } else if (bootInitramfs.test(f.path)) bootFiles.set(f.path, bytes);
      else udevRules.push({ path: f.path, text: bytes.toString('utf8') });
    },
  });
  // a hard link in a layer carries no content: it is the module it links to, under another path
  const byTarget = new Map(modules.map((m) => [m.path, m]));
  for (const e of entries) {
    if (e.type !== 'hardlink' || !isModuleFile(e.path) || !moduleWanted(e.path)) continue;
    const target = e.linkTarget !== undefined ? byTarget.get(e.linkTarget) : undefined;
    if (target) modules.push({ ...target, path: e.path });
  }
  const byPath = (a: { path: string }, b: { path: string }) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  entries.sort(byPath);
  modules.sort(byPath);
  udevRules.sort(byPath);
  return {
    entries,
    modules,
    udevRules,
    bootReleases,
    bootFiles,
    ...(manifestText !== undefined ? { manifestText } : {}),
    ...(kernel ? { kernel } : {}),
  };
}
