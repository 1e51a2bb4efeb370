/** What readKernelImage returns, its bounds, and its one error type. */
import type { CertificateInfo } from '@talos-kmod/kmod';
import type { PeSection } from '../pe/read-pe-sections';
import type { CertificateListRule } from './find-certificates';

export type { CertificateListRule } from './find-certificates';

/** The layout a kernel image file has. */
export type KernelImageFormat = 'bzImage' | 'zboot' | 'arm64-image' | 'elf' | 'uki';

/** A kernel image: its format, release and the certificates compiled into it. */
export interface KernelImage {
  /** The outer layout (a UKI is 'uki' whatever its `.linux` holds). */
  readonly format: KernelImageFormat;
  readonly arch: 'amd64' | 'arm64' | 'unknown';
  /** How the kernel payload is compressed: 'gzip', 'xz', 'zstd', 'lz4', … or 'none'. */
  readonly compression: string;
  /** The kernel release (`uname -r`) from the linux_banner, e.g. `6.12.31-talos`. */
  readonly release?: string;
  /** The build version (`uname -v`) from the linux_banner, e.g. `#1 SMP PREEMPT_DYNAMIC …`. */
  readonly version?: string;
  /** The kernel command line a UKI carries (`.cmdline`). */
  readonly cmdline?: string;
  /** For a UKI: its sections and metadata. */
  readonly uki?: {
    readonly sections: PeSection[];
    readonly uname?: string;
    readonly osrel?: Record<string, string>;
    readonly cmdline?: string;
    readonly sbat?: string;
    readonly initrdSize?: number;
  };
  /** Size of the uncompressed kernel (the ELF vmlinux or raw Image) that was scanned. */
  readonly kernelSize: number;
  /**
   * The X.509 certificates the kernel trusts for module signatures: its system_certificate_list
   * (every certificate found when `certificateList.rule` is `not-located`).
   */
  readonly certificates: CertificateInfo[];
  /**
   * Its revocation_certificate_list (CONFIG_SYSTEM_REVOCATION_KEYS): the kernel refuses modules
   * signed by these (-EKEYREJECTED), even when a trusted list also holds them.
   */
  readonly revokedCertificates: CertificateInfo[];
  /** Other certificates compiled into the kernel (e.g. cfg80211's regulatory database keys): not trusted for modules. */
  readonly otherCertificates: CertificateInfo[];
  /** How the trusted list was told apart, and where. */
  readonly certificateList: {
    readonly rule: CertificateListRule;
    /** The region scanned: `.init.data` (an ELF vmlinux's) or `whole kernel`. */
    readonly region: string;
    /** Byte offset of system_certificate_list in the uncompressed kernel, when located. */
    readonly offset?: number;
  };
  /** Findings that do not stop the read (no certificate, no banner, a UKI whose .uname differs). */
  readonly problems: string[];
}

/** Bounds for reading a kernel image. */
export interface KernelImageLimits {
  /** Largest input file accepted (default 512 MiB). */
  readonly maxInput?: number;
  /** Largest uncompressed kernel accepted (default 256 MiB; Talos kernels are ~70 MiB). */
  readonly maxKernelSize?: number;
  /** Most certificates kept (default 64). */
  readonly maxCertificates?: number;
  /** A name for the input in messages (a path or an image reference). */
  readonly name?: string;
}

export const DEFAULT_MAX_INPUT = 512 * 1024 * 1024;
export const DEFAULT_MAX_KERNEL_SIZE = 256 * 1024 * 1024;
export const DEFAULT_MAX_CERTIFICATES = 64;

/** The input is not a kernel image this package can read; the message names it and the reason. */
export class KernelImageError extends Error {
  override readonly name = 'KernelImageError';
}
