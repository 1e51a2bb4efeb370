/**
 * The certificates a kernel trusts, from whatever the user has: a PEM or DER certificate file, a
 * kernel file (bzImage, zboot, arm64 Image, UKI), or an image holding one. The kernel verifies
 * module signatures only against the certificates compiled into it (linux
 * certs/system_certificates.S), so these are what every signature verdict is reached with.
 */
import { readFile, stat } from 'node:fs/promises';
import { UserError, describeError } from '@talos-kmod/common';
import { KernelImageError, readKernelImage } from '@talos-kmod/boot';
import { readCertificates, type CertificateInfo } from '@talos-kmod/kmod';

/** Where trusted certificates came from, and what they are. */
export interface TrustedCertificates {
  /** `certificate-file`, `kernel-file` (a vmlinuz/UKI on disk) or `kernel-image` (in an image). */
  readonly kind: 'certificate-file' | 'kernel-file' | 'kernel-image';
  /** The file or image path they were read from, for messages and the report. */
  readonly source: string;
  /** The kernel release, when they came from a kernel. */
  readonly release?: string;
  /** Empty when a kernel holds none (then `problems` says so). */
  readonly certificates: readonly CertificateInfo[];
  /** The certificates the kernel revokes (its revocation_certificate_list), when it has any. */
  readonly revoked?: readonly CertificateInfo[];
  readonly problems: readonly string[];
}

/** True when `bytes` hold PEM text or start like a DER certificate (SEQUENCE, long form). */
function looksLikeCertificate(bytes: Uint8Array): boolean {
  if (bytes[0] === 0x30 && (bytes[1] === 0x82 || bytes[1] === 0x83)) return true;
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 64 * 1024));
  return head.includes('-----BEGIN ');
}

/** Reads the certificates of a PEM/DER file; throws a UserError naming the file otherwise. */
function certificateFile(path: string, bytes: Uint8Array): TrustedCertificates {
  try {
    return {
      kind: 'certificate-file',
      source: path,
      certificates: readCertificates(bytes),
      problems: [],
    };
  } catch (e: unknown) {
    throw new UserError(
      `${path} is not a readable X.509 certificate (${describeError(e)}): pass a PEM or DER certificate, or the kernel file (vmlinuz, UKI) the modules must load into`,
    );
  }
}

/**
 * Reads the trusted certificates from the file at `path`: a PEM/DER certificate file, or a kernel
 * file. Throws a UserError when the file cannot be read or is neither.
 */
export async function readTrustedCertificatesFile(path: string): Promise<TrustedCertificates> {
  let bytes: Uint8Array;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Error('not a regular file');
    bytes = await readFile(path);
  } catch (e: unknown) {
    const code = (e as { code?: unknown }).code;
    throw new UserError(
      `cannot read ${path}: ${typeof code === 'string' ? code : describeError(e)}; pass a PEM or DER certificate file or a kernel file (vmlinuz, UKI)`,
    );
  }
  if (looksLikeCertificate(bytes)) return certificateFile(path, bytes);
  const trust = await readKernelCertificates(bytes, path, 'kernel-file');
  if (trust.unreadable) {
    throw new UserError(
      `${path} is neither a PEM/DER certificate nor a kernel image (${trust.problems.join('; ')}): pass the certificate, or the kernel file (vmlinuz, UKI) the modules must load into`,
    );
  }
  return trust;
}

/**
 * The certificates compiled into a kernel file (x86 bzImage, arm64 zboot or Image, ELF vmlinux,
 * UKI). Never throws: a file that is not a readable kernel (truncated, garbage) gives no
 * certificates, `unreadable`, and the reason in `problems`; a kernel built without
 * CONFIG_MODULE_SIG gives no certificates and says so.
 */
export async function readKernelCertificates(
  bytes: Uint8Array,
  source: string,
  kind: 'kernel-file' | 'kernel-image' = 'kernel-image',
): Promise<TrustedCertificates & { unreadable?: boolean }> {
  try {
    const k = await readKernelImage(bytes, { name: source });
    return {
      kind,
      source,
      ...(k.release ? { release: k.release } : {}),
      certificates: k.certificates,
      ...(k.revokedCertificates.length > 0 ? { revoked: k.revokedCertificates } : {}),
      problems: k.problems,
    };
  } catch (e: unknown) {
    if (!(e instanceof KernelImageError)) throw e;
    return { kind, source, certificates: [], problems: [e.message], unreadable: true };
  }
}

/** Reads the certificates of a kernel file found in an image (see {@link readKernelCertificates}). */
export function kernelFileReader(
  description?: string,
): (bytes: Uint8Array, path: string) => Promise<TrustedCertificates> {
  return (bytes, path) =>
    readKernelCertificates(bytes, description ? `${description} /${path}` : `/${path}`);
}
