/**
 * verify-signatures: every module of a package image must be signed by the key of the kernel
 * image it was built with. Each uncached kernel build signs with a fresh throw-away key that only
 * that kernel trusts (`CONFIG_MODULE_SIG_ALL`, `certs/Makefile` in Linux), and Talos boots with
 * `module.sig_enforce=1`, so a package from another build fails to load on the node. The step runs
 * the verify-image engine on each package image against the kernel image, which verifies every
 * signature against the certificate compiled into the kernel image's /boot/vmlinuz (the in-tree
 * modules' key id is only the fallback when none can be read); the check is a seam
 * (`VerifyAgainstKernelFn`) so tests and other callers can supply their own.
 */
import type { Logger } from '@talos-kmod/common';
import type { PinnedReference, RegistryOptions } from '@talos-kmod/oci';
import { isFailing, verifyImage } from '@talos-kmod/verify';

/** The outcome for one package image. */
export interface SignatureCheck {
  readonly image: PinnedReference;
  readonly passed: boolean;
  /** Modules checked. */
  readonly modules: number;
  /** What failed, one line each, with the fix. */
  readonly problems: readonly string[];
  /** How the signatures were proven: against the kernel's certificate, or by key id only. */
  readonly proof?: 'certificate' | 'key-id' | 'none';
  /** SHA-256 fingerprint of the kernel certificate, when the proof is `certificate`. */
  readonly certificate?: string;
}

/** Checks the modules of `image` against the key and release of `kernelImage`. */
export type VerifyAgainstKernelFn = (
  image: PinnedReference,
  kernelImage: PinnedReference,
) => Promise<SignatureCheck>;

/** The default check: the verify-image engine with the kernel image as reference. */
export function signatureChecker(registry: RegistryOptions, logger: Logger): VerifyAgainstKernelFn {
  return async (image, kernelImage) => {
    const report = await verifyImage({ image, kernelImage }, { logger, registry });
    const problems = report.checks
      .filter((c) => isFailing(c, report.failOn))
      .map((c) => `${c.id}${c.path ? ` (${c.path})` : ''}: ${c.message}`);
    const platform = report.platforms[0];
    const certificate = platform?.certificates?.[0]?.sha256Fingerprint;
    return {
      image,
      passed: report.passed,
      modules: report.modules.length,
      problems,
      ...(platform ? { proof: platform.proof } : {}),
      ...(certificate ? { certificate } : {}),
    };
  };
}
