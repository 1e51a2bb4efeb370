/**
 * Options of the build-kernel-pkg step and their up-front validation: a bad value fails here,
 * naming the input, before make runs or a registry is contacted.
 */
import { FieldError } from '@talos-kmod/common';
import {
  validateBuildTarget,
  type BuildTargetOptions,
  type RegistryAccess,
  type ValidatedCommon,
} from '../step-kit/build-options';
import type { ReleasePairing } from '../step-kit/release-pairing';

/** What build-kernel-pkg builds and where it pushes. */
export interface BuildKernelPkgOptions extends RegistryAccess, BuildTargetOptions, ReleasePairing {
  /** A siderolabs/pkgs checkout (fork). */
  readonly pkgsDir: string;
  /** Module packages by their pkg.yaml name (`hailort-pkg`); `kernel` is always built first. */
  readonly packages: readonly string[];
  readonly push: boolean;
  /** Check every package's modules against the kernel image's key after the push. */
  readonly verifySignatures: boolean;
  /** Reuse a recorded result when its inputs are unchanged and its images still exist. */
  readonly cache: boolean;
}

/** Validates the build-kernel-pkg options. */
export function validateKernelPkgOptions(o: BuildKernelPkgOptions): ValidatedCommon {
  if (o.pkgsDir.trim() === '')
    throw new FieldError(
      'pkgs-dir',
      (n) => `${n('pkgs-dir')} is empty: give the pkgs checkout path`,
    );
  for (const p of o.packages) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(p)) {
      throw new FieldError(
        'packages',
        (n) =>
          `${n('packages')} has '${p}', which is not a package name: give pkg.yaml names like hailort-pkg, one per line or comma-separated`,
      );
    }
  }
  return validateBuildTarget(o);
}
