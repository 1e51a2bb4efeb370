/**
 * The verify-image report: its JSON shape is a contract (documented in
 * actions/verify-image/README.md); bump `schemaVersion` on incompatible changes.
 */

import type { Finding, FindingSeverity } from '@talos-kmod/talos';

/** How much a failing check matters: `error`, `warning` or `info`. */
export type CheckSeverity = FindingSeverity;

/**
 * One check outcome: a {@link Finding} (stable `id` such as `signature.same-key`, severity,
 * `pass`/`fail`, message, and the image `path` and `line` it is about) with the platform it ran
 * on. A check id that found nothing wrong appears once with status `pass`.
 */
export interface Check extends Finding {
  /** `os/arch[/variant]` of the image the check ran on; absent for plain directories. */
  readonly platform?: string;
}

/**
 * What the kernel would make of a module's signature (see `SignatureVerdict` in @talos-kmod/kmod):
 * `verified`, `unknown-key`, `bad-signature`, `unsupported` or `unsigned`.
 */
export type ModuleVerdict =
  'verified' | 'unknown-key' | 'bad-signature' | 'unsupported' | 'unsigned';

/** How a platform's module signatures were proven. */
export type SignatureProof = 'certificate' | 'key-id' | 'none';

/** A certificate the kernel trusts, as the report shows it. */
export interface CertificateReport {
  subject: string;
  issuer: string;
  /** Colon hex, as `modinfo -F sig_key` prints a signer's serial. */
  serialNumber: string;
  subjectKeyId?: string;
  /** `rsa 4096`, `ec secp384r1`. */
  key: string;
  /** SHA-256 of the DER certificate, colon hex (as `openssl x509 -fingerprint -sha256`). */
  sha256Fingerprint: string;
  notAfter: string;
  /** Where it was read: the kernel-cert file, or the kernel file in an image. */
  source: string;
}

/** One kernel module found in the verified image. */
export interface ModuleReport {
  /** Module name as the kernel knows it (`name=` in .modinfo, else from the file name). */
  name: string;
  /** Path in the image (relative). */
  path: string;
  platform?: string;
  signed: boolean;
  /** `modinfo -F signer`. */
  signer?: string;
  /** `modinfo -F sig_key`. */
  key?: string;
  /** `modinfo -F sig_hashalgo`. */
  hash?: string;
  vermagic?: string;
  /** The signature verdict against the kernel's certificate (when the platform's proof is `certificate`). */
  verdict?: ModuleVerdict;
  /** SHA-256 fingerprint of the kernel certificate the signer names, when one matched. */
  certificate?: string;
  /** The system extension an installer module came from. */
  extension?: string;
}

/** What an installer boots, for one architecture (report, job summary, PR comment). */
export interface InstallerReport {
  platform?: string;
  arch: string;
  /** `uki` (vmlinuz.efi, Talos 1.10+) or `kernel-initramfs` (vmlinuz + initramfs.xz). */
  layout: 'uki' | 'kernel-initramfs';
  /** `VERSION_ID` of the UKI's `.osrel`. */
  talosVersion?: string;
  kernel: {
    release?: string;
    /** The certificates the kernel trusts for modules (subject, SHA-256 colon hex). */
    certificates: { subject: string; sha256Fingerprint: string }[];
    /** The certificates the kernel revokes (its revocation_certificate_list), when it has any. */
    revokedCertificates?: { subject: string; sha256Fingerprint: string }[];
    /** The UKI's command line. */
    cmdline?: string;
    /** The last `module.sig_enforce` value on the command line, or `absent`. */
    sigEnforce?: string;
    /** Whether the kernel refuses bad signatures (command line and Talos version rules). */
    signaturesEnforced?: boolean;
  };
  extensions: {
    name: string;
    version: string;
    /** The squashfs file in the initramfs (`0.sqsh`). */
    image: string;
    moduleCount: number;
    /** Module count per signature verdict. */
    verdicts: Partial<Record<string, number>>;
  }[];
}

/** What was verified for one platform of the image. */
export interface PlatformReport {
  /** `linux/amd64`; absent for plain directories. */
  platform?: string;
  /** Manifest digest of the verified image (absent for plain directories). */
  digest?: string;
  /** `kernel`, `module-package`, `extension`, `installer` or `unknown`. */
  kind: string;
  /** The kernel release directory found (when exactly one). */
  kernelRelease?: string;
  moduleCount: number;
  /**
   * How the module signatures were proven: `certificate` (each verified against the kernel's
   * certificate), `key-id` (signer and key id compared with the kernel's in-tree modules, the
   * fallback when no certificate can be had) or `none` (nothing to compare with).
   */
  proof: SignatureProof;
  /** The certificates the kernel trusts, when the proof is `certificate`. */
  certificates?: CertificateReport[];
  /**
   * The certificates the kernel revokes (its revocation_certificate_list), when the proof is
   * `certificate` and it has any: a module signed by one is `unknown-key`.
   */
  revokedCertificates?: CertificateReport[];
  passed: boolean;
}

/** The whole report. */
export interface VerifyReport {
  schemaVersion: 1;
  passed: boolean;
  /** The image as given. */
  image: string;
  kernelImage?: string;
  /** The kernel-cert file as given. */
  kernelCert?: string;
  /** The reference kernel release (from the kernel image or the `kernel-release` input). */
  kernelRelease?: string;
  /** `error` or `warning`: which failures make `passed` false. */
  failOn: 'error' | 'warning';
  platforms: PlatformReport[];
  checks: Check[];
  modules: ModuleReport[];
  /** Installers only: what each architecture boots. */
  installers?: InstallerReport[];
}

/** True when `check` fails the verification under `failOn`. */
export function isFailing(check: Check, failOn: 'error' | 'warning'): boolean {
  if (check.status !== 'fail') return false;
  return check.severity === 'error' || (failOn === 'warning' && check.severity === 'warning');
}
