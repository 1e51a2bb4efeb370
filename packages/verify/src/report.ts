/**
 * The verify-image report: its JSON shape is a contract (documented in
 * actions/verify-image/README.md); bump `schemaVersion` on incompatible changes.
 */

/** How much a failing check matters. */
export type CheckSeverity = 'error' | 'warning' | 'info';

/** One check outcome. A check id that found nothing wrong appears once with status `pass`. */
export interface Check {
  /** Stable id, e.g. `signature.same-key`. */
  id: string;
  severity: CheckSeverity;
  status: 'pass' | 'fail';
  /** Image path (relative, no leading `/`) the outcome is about. */
  path?: string;
  /** 1-based line in `path` (udev rules). */
  line?: number;
  /** `os/arch[/variant]` of the image the check ran on; absent for plain directories. */
  platform?: string;
  /** What was found; when failing, also what to do. */
  message: string;
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
  passed: boolean;
}

/** The whole report. */
export interface VerifyReport {
  schemaVersion: 1;
  passed: boolean;
  /** The image as given. */
  image: string;
  kernelImage?: string;
  /** The reference kernel release (from the kernel image or the `kernel-release` input). */
  kernelRelease?: string;
  /** `error` or `warning`: which failures make `passed` false. */
  failOn: 'error' | 'warning';
  platforms: PlatformReport[];
  checks: Check[];
  modules: ModuleReport[];
}

/** True when `check` fails the verification under `failOn`. */
export function isFailing(check: Check, failOn: 'error' | 'warning'): boolean {
  if (check.status !== 'fail') return false;
  return check.severity === 'error' || (failOn === 'warning' && check.severity === 'warning');
}
