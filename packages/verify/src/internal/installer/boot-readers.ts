/**
 * The boot formats an installer holds, read with @talos-kmod/boot: the kernel (bzImage, zboot or a
 * UKI's `.linux`) with the certificates compiled into it, the UKI's sections, the initramfs
 * segments, and the extension squashfs images. Everything here returns problems instead of
 * throwing, as the readers do.
 */
import {
  KernelImageError,
  openSquashfs,
  readKernelImage,
  readUkiSections,
  walkInitramfs,
  type SquashfsImage,
} from '@talos-kmod/boot';
import { createHash } from 'node:crypto';
import type { CertificateInfo } from '@talos-kmod/kmod';
import { joinChunks, type FileTree } from '@talos-kmod/oci';

/** What a kernel file says about itself. */
export interface KernelFacts {
  readonly release?: string;
  readonly certificates: readonly CertificateInfo[];
  /** The certificates the kernel revokes (certs/revocation_certificates.S): never trusted. */
  readonly revokedCertificates?: readonly CertificateInfo[];
  readonly problems: readonly string[];
}

/** A UKI's parts the installer checks read. */
export interface UkiParts {
  readonly uname?: string;
  readonly cmdline?: string;
  /** `VERSION_ID` of `.osrel`. */
  readonly versionId?: string;
  readonly linux?: Uint8Array;
  readonly initrd?: Uint8Array;
  readonly sectionNames: readonly string[];
  readonly problems: readonly string[];
}

/** Splits a UKI into the sections the checks need. */
export function readUki(bytes: Uint8Array): UkiParts {
  const u = readUkiSections(bytes);
  const versionId = u.osrel?.VERSION_ID;
  return {
    ...(u.uname !== undefined ? { uname: u.uname } : {}),
    ...(u.cmdline !== undefined ? { cmdline: u.cmdline } : {}),
    ...(versionId !== undefined ? { versionId } : {}),
    ...(u.linux ? { linux: u.linux } : {}),
    ...(u.initrd ? { initrd: u.initrd } : {}),
    sectionNames: u.sections.map((s) => s.name),
    problems: [...u.problems],
  };
}

/** The release and certificates of a kernel file (bzImage, zboot, arm64 Image). */
export async function readKernelFacts(bytes: Uint8Array, name: string): Promise<KernelFacts> {
  try {
    const k = await readKernelImage(bytes, { name });
    return {
      ...(k.release !== undefined ? { release: k.release } : {}),
      certificates: k.certificates,
      ...(k.revokedCertificates.length > 0 ? { revokedCertificates: k.revokedCertificates } : {}),
      problems: [...k.problems],
    };
  } catch (e: unknown) {
    if (e instanceof KernelImageError) return { certificates: [], problems: [e.message] };
    throw e;
  }
}

/** The wanted files of an initramfs, and what was wrong with it. */
export interface InitramfsFiles {
  readonly paths: readonly string[];
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly problems: readonly string[];
}

/** Walks `initramfs` keeping the files `want` selects. */
export async function readInitramfs(
  initramfs: Uint8Array,
  want: (path: string) => boolean,
): Promise<InitramfsFiles> {
  const walked = await walkInitramfs(initramfs, { want });
  return {
    paths: walked.entries.map((e) => e.path),
    files: walked.files,
    problems: walked.problems,
  };
}

/** An opened squashfs image, or why not. */
export async function readSquashfs(
  bytes: Uint8Array,
): Promise<{ image?: SquashfsImage; problems: readonly string[] }> {
  return openSquashfs(bytes);
}

export type { SquashfsImage };

/**
 * The facts of a kernel image's own kernel (`boot/vmlinuz`), for comparing an installer's kernel
 * with the `kernel-image` input when the kernel reference carries no certificates.
 */
export async function readKernelImageBoot(
  tree: FileTree,
): Promise<(KernelFacts & { sha256: string }) | undefined> {
  let bytes: Buffer | undefined;
  await tree.walk({
    want: (f) => f.path === 'boot/vmlinuz',
    onFile: (_f, content) => {
      if (content) bytes = joinChunks(content);
    },
  });
  if (!bytes) return undefined;
  return {
    ...(await readKernelFacts(bytes, `${tree.description}:/boot/vmlinuz`)),
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
