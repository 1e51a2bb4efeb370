/**
 * Opens one architecture's boot assets of an installer the way the node does: the UKI's sections
 * (or vmlinuz + initramfs.xz before Talos 1.10), the kernel's certificate from `.linux`, the
 * initramfs's segments, `extensions.yaml`, each `<n>.sqsh` and `modules.dep.sqsh`, and every
 * module inside the extensions with its signature judged against the kernel's certificates.
 * Nothing is unpacked to disk; each module is read as the squashfs blocks stream by.
 */
import { createHash } from 'node:crypto';
import { readModuleSummary, type CertificateInfo, type SignatureVerdict } from '@talos-kmod/kmod';
import {
  isModuleFile,
  modulesDepLayerName,
  normalizeModuleName,
  parseExtensionsConfig,
  parseModulesDep,
  parseTolerantVersion,
  type ExtensionsConfig,
  type InstallerBootFormat,
  type ModulesDep,
  type TalosVersion,
} from '@talos-kmod/talos';
import {
  readInitramfs,
  readKernelFacts,
  readSquashfs,
  readUki,
  type InitramfsFiles,
  type KernelFacts,
  type SquashfsImage,
} from './boot-readers';
import { canReleaseBuffer, ownedCopy, releaseBuffer } from './release-buffer';

/** One module found inside an extension's squashfs image. */
export interface InstallerModule {
  /** The extension (metadata name) and its squashfs file. */
  readonly extension: string;
  readonly layer: string;
  /** Path inside the squashfs image. */
  readonly path: string;
  /** Path relative to its kernel release directory, as modules.dep names it. */
  readonly depPath?: string;
  readonly name: string;
  /** The `<kver>` directory it sits in. */
  readonly dirRelease?: string;
  readonly vermagic?: string;
  /** First word of vermagic. */
  readonly release?: string;
  readonly verdict: SignatureVerdict;
  readonly reason: string;
  readonly certificate?: string;
  readonly signer?: string;
  readonly problems: readonly string[];
}

/** One extension layer as the installer carries it. */
export interface InstallerExtension {
  readonly name: string;
  readonly version: string;
  readonly image: string;
  /** False when `image` is not in the initramfs. */
  readonly present: boolean;
  readonly moduleCount: number;
  readonly verdicts: Partial<Record<SignatureVerdict, number>>;
  /** Why the squashfs could not be read. */
  readonly problems: readonly string[];
}

/** Everything the checks need about one architecture of an installer. */
export interface InstallerContents {
  readonly arch: string;
  readonly bootFormat: InstallerBootFormat;
  /** The file the kernel is in (`usr/install/<arch>/vmlinuz.efi` or `…/vmlinuz`). */
  readonly kernelPath: string;
  readonly uki?: { readonly sectionNames: readonly string[]; readonly problems: readonly string[] };
  /** `.uname`, else the kernel's own release string. */
  readonly release?: string;
  readonly cmdline?: string;
  /** `VERSION_ID` of `.osrel`. */
  readonly talosVersionText?: string;
  readonly talosVersion?: TalosVersion;
  readonly kernel: {
    readonly release?: string;
    readonly certificates: readonly CertificateInfo[];
    /** The certificates the kernel revokes (never trusted; named in a module's reason). */
    readonly revokedCertificates?: readonly CertificateInfo[];
    readonly problems: readonly string[];
    /** SHA-256 of the kernel file (`.linux` or vmlinuz), hex. */
    readonly sha256?: string;
  };
  readonly initramfsProblems: readonly string[];
  /** Absent when the initramfs holds no extensions.yaml (an installer without extensions). */
  readonly config?: ExtensionsConfig;
  /** `<n>.sqsh` and `modules.dep.sqsh` files at the initramfs root. */
  readonly squashfsFiles: readonly string[];
  readonly extensions: readonly InstallerExtension[];
  readonly modules: readonly InstallerModule[];
  readonly modulesDep?: ModulesDep;
  readonly modulesDepProblems: readonly string[];
  /** Firmware paths the initramfs carries (moved there from the extensions). */
  readonly firmware: readonly string[];
}

const sqshAtRoot = /^[^/]+\.sqsh$/;
const moduleDir = /^(usr\/)?lib\/modules\/([^/]+)\/(.+)$/;

async function readLayerModules(
  image: SquashfsImage,
  extension: string,
  layer: string,
  kernel: Pick<KernelFacts, 'certificates' | 'revokedCertificates'>,
): Promise<{ modules: InstallerModule[]; problems: string[] }> {
  const { certificates, revokedCertificates } = kernel;
  const modules: InstallerModule[] = [];
  const problems: string[] = [];
  for (const entry of image.walk()) {
    if (entry.type !== 'file' || !isModuleFile(entry.path)) continue;
    const chunks: Uint8Array[] = [];
    try {
      for await (const chunk of image.readFileChunks(entry.path)) chunks.push(chunk);
    } catch (e: unknown) {
      problems.push(`${layer}:${entry.path}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    const info = await readModuleSummary(chunks, {
      fileName: entry.path,
      certificates,
      ...(revokedCertificates ? { revokedCertificates } : {}),
    });
    const where = moduleDir.exec(entry.path);
    const v = info.verification;
    modules.push({
      extension,
      layer,
      path: entry.path,
      ...(where?.[3] ? { depPath: where[3] } : {}),
      ...(where?.[2] ? { dirRelease: where[2] } : {}),
      name: info.name ? normalizeModuleName(info.name) : entry.name.replace(/\.ko.*$/, ''),
      ...(info.vermagic !== undefined ? { vermagic: info.vermagic } : {}),
      ...(info.kernelRelease !== undefined ? { release: info.kernelRelease } : {}),
      verdict: v?.verdict ?? (info.signed ? 'unknown-key' : 'unsigned'),
      reason: v?.reason ?? 'no certificate to verify against',
      ...(v?.certificate ? { certificate: v.certificate } : {}),
      ...(info.signature ? { signer: info.signature.signer } : {}),
      problems: [...info.problems],
    });
  }
  return { modules, problems };
}

async function readModulesDep(
  bytes: Uint8Array | undefined,
  release: string | undefined,
): Promise<{ dep?: ModulesDep; problems: string[] }> {
  if (!bytes) return { problems: [] };
  const opened = await readSquashfs(bytes);
  if (!opened.image) return { problems: [`modules.dep.sqsh: ${opened.problems.join('; ')}`] };
  const candidates = [...opened.image.walk()].filter(
    (e) => e.type === 'file' && /^(usr\/)?lib\/modules\/[^/]+\/modules\.dep$/.test(e.path),
  );
  const chosen =
    candidates.find((e) => release && e.path.includes(`/${release}/`)) ?? candidates[0];
  if (!chosen) {
    return { problems: ['modules.dep.sqsh holds no lib/modules/<kernel release>/modules.dep'] };
  }
  try {
    const text = Buffer.from(await opened.image.readFile(chosen.path)).toString('utf8');
    return { dep: parseModulesDep(text), problems: [] };
  } catch (e: unknown) {
    return {
      problems: [`modules.dep.sqsh:${chosen.path}: ${e instanceof Error ? e.message : String(e)}`],
    };
  }
}

/** The files of one architecture's boot assets, by path. */
export interface BootAssetFiles {
  readonly arch: string;
  readonly bootFormat: InstallerBootFormat;
  /**
   * Consumed: the kernel file and the initramfs are taken out of the map as they are read, so
   * that nothing holds them once {@link inspectInstaller} has what it needs from them.
   */
  readonly files: Map<string, Uint8Array>;
}

/** The facts of a UKI the report and checks use, without its bytes. */
type UkiFacts = Omit<ReturnType<typeof readUki>, 'linux' | 'initrd'>;

/** What {@link openBootAssets} keeps of the boot files. */
interface OpenedBootAssets {
  readonly uki?: UkiFacts;
  readonly kernel: InstallerContents['kernel'];
  readonly walked: InitramfsFiles;
}

const wantedInInitramfs = (p: string): boolean =>
  p === 'extensions.yaml' || (sqshAtRoot.test(p) && p !== 'rootfs.sqsh');

/**
 * Takes the kernel file and the initramfs out of `files`, reads the kernel's release and
 * certificates and walks the initramfs keeping only the files the checks read. Nothing returned
 * refers to the boot files' bytes. A Talos UKI is one buffer of 100 MB or more, almost all of it
 * `.initrd`, and the kernel decompresses to ~66 MB: the order keeps the two from being in memory
 * together. Where the UKI (or initramfs) can be freed at once (releaseBuffer), the initramfs is
 * walked first, the files kept and `.linux` are copied out of it, it is freed, then the kernel is
 * read. Elsewhere (Node 20) the kernel is read first, so that the garbage the initramfs walk leaves
 * for the collector is the decompressed kernel, while the UKI is still needed anyway.
 */
async function openBootAssets(
  files: Map<string, Uint8Array>,
  bootFormat: InstallerBootFormat,
  kernelPath: string,
  initramfsPath: string,
): Promise<OpenedBootAssets> {
  const take = (path: string): Uint8Array | undefined => {
    const bytes = files.get(path);
    files.delete(path);
    return bytes;
  };
  let uki: UkiFacts | undefined;
  let kernelBytes: Uint8Array | undefined;
  let initramfs: Uint8Array | undefined;
  /** The buffer freed once the initramfs is walked: the UKI, or initramfs.xz. */
  let container: Uint8Array | undefined;
  if (bootFormat === 'uki') {
    container = take(kernelPath);
    const parts = container ? readUki(container) : undefined;
    if (parts) {
      const { linux, initrd, ...facts } = parts;
      uki = facts;
      kernelBytes = linux;
      initramfs = initrd;
    }
  } else {
    kernelBytes = take(kernelPath);
    initramfs = container = take(initramfsPath);
  }
  const readKernel = async (): Promise<InstallerContents['kernel']> =>
    kernelBytes
      ? {
          ...(await readKernelFacts(
            kernelBytes,
            bootFormat === 'uki' ? `${kernelPath} (.linux)` : kernelPath,
          )),
          sha256: createHash('sha256').update(kernelBytes).digest('hex'),
        }
      : { certificates: [], problems: [`${kernelPath} holds no kernel (.linux)`] };
  const walk = async (): Promise<InitramfsFiles> =>
    initramfs
      ? await readInitramfs(initramfs, wantedInInitramfs)
      : { paths: [], files: new Map<string, Uint8Array>(), problems: ['no initramfs'] };
  if (!container || !canReleaseBuffer(container)) {
    const kernel = await readKernel();
    return { ...(uki ? { uki } : {}), kernel, walked: await walk() };
  }
  const walked = await walk();
  // files of a plain (uncompressed) cpio segment are views into the container: copy them first
  const owned = new Map<string, Uint8Array>();
  for (const [path, bytes] of walked.files) owned.set(path, ownedCopy(bytes, container.buffer));
  if (kernelBytes) kernelBytes = ownedCopy(kernelBytes, container.buffer);
  initramfs = undefined;
  releaseBuffer(container);
  const kernel = await readKernel();
  return { ...(uki ? { uki } : {}), kernel, walked: { ...walked, files: owned } };
}

/**
 * Reads one architecture's boot assets; never throws on bad bytes. The boot files are read and
 * dropped first (see {@link openBootAssets}); the extensions are read after, one at a time.
 */
export async function inspectInstaller(
  assets: BootAssetFiles,
  fallbackTalosVersion?: TalosVersion,
): Promise<InstallerContents> {
  const { arch, bootFormat, files } = assets;
  const base = `usr/install/${arch}`;
  const kernelPath = bootFormat === 'uki' ? `${base}/vmlinuz.efi` : `${base}/vmlinuz`;
  const { uki, kernel, walked } = await openBootAssets(
    files,
    bootFormat,
    kernelPath,
    `${base}/initramfs.xz`,
  );
  const versionText = uki?.versionId;
  const parsedVersion = versionText ? parseTolerantVersion(versionText) : undefined;
  const talosVersion = parsedVersion?.ok ? parsedVersion.version : fallbackTalosVersion;
  const release = uki?.uname ?? kernel.release;
  const yamlBytes = walked.files.get('extensions.yaml');
  const config = yamlBytes
    ? parseExtensionsConfig(Buffer.from(yamlBytes).toString('utf8'))
    : undefined;
  const squashfsFiles = walked.paths.filter((p) => sqshAtRoot.test(p) && p !== 'rootfs.sqsh');
  const extensions: InstallerExtension[] = [];
  const modules: InstallerModule[] = [];
  for (const layer of config?.layers ?? []) {
    if (layer.name === modulesDepLayerName) continue;
    const bytes = walked.files.get(layer.image);
    if (!bytes) {
      extensions.push({
        ...layerFacts(layer),
        present: false,
        moduleCount: 0,
        verdicts: {},
        problems: [],
      });
      continue;
    }
    const opened = await readSquashfs(bytes);
    if (!opened.image) {
      extensions.push({
        ...layerFacts(layer),
        present: true,
        moduleCount: 0,
        verdicts: {},
        problems: [...opened.problems],
      });
      continue;
    }
    const read = await readLayerModules(opened.image, layer.name, layer.image, kernel);
    const verdicts: Partial<Record<SignatureVerdict, number>> = {};
    for (const m of read.modules) verdicts[m.verdict] = (verdicts[m.verdict] ?? 0) + 1;
    modules.push(...read.modules);
    extensions.push({
      ...layerFacts(layer),
      present: true,
      moduleCount: read.modules.length,
      verdicts,
      problems: read.problems,
    });
  }
  const depLayer = config?.layers.find((l) => l.name === modulesDepLayerName);
  const dep = await readModulesDep(
    walked.files.get(depLayer?.image ?? 'modules.dep.sqsh'),
    release,
  );
  return {
    arch,
    bootFormat,
    kernelPath,
    ...(uki ? { uki: { sectionNames: uki.sectionNames, problems: uki.problems } } : {}),
    ...(release !== undefined ? { release } : {}),
    ...(uki?.cmdline !== undefined ? { cmdline: uki.cmdline } : {}),
    ...(versionText ? { talosVersionText: versionText } : {}),
    ...(talosVersion ? { talosVersion } : {}),
    kernel,
    initramfsProblems: walked.problems,
    ...(config ? { config } : {}),
    squashfsFiles,
    extensions,
    modules,
    ...(dep.dep ? { modulesDep: dep.dep } : {}),
    modulesDepProblems: dep.problems,
    firmware: walked.paths.filter((p) => /^(usr\/)?lib\/firmware\/.+/.test(p)),
  };
}

function layerFacts(layer: { name: string; version: string; image: string }) {
  return { name: layer.name, version: layer.version, image: layer.image };
}
