/**
 * verify-signatures after the push: the packages just built, and the module packages of the
 * checkout that were NOT built this time but exist in the registry under the same tag — rebuilding
 * the kernel alone replaces `kernel:<tag>` with one signed by a fresh key, which breaks them.
 */
import { UserError, type Logger } from '@talos-kmod/common';
import {
  imageIn,
  withDigest,
  type Namespace,
  type PinnedReference,
  type RegistryClient,
} from '@talos-kmod/oci';
import { isModulePackage, modulePackages, type PkgsCheckout } from '@talos-kmod/talos';
import type { SignatureCheck, VerifyAgainstKernelFn } from './signature-check';

/** Verifies `images` against the kernel; throws a UserError listing every problem. */
export async function verifyPackages(
  verify: VerifyAgainstKernelFn,
  kernelImage: PinnedReference,
  images: readonly PinnedReference[],
  logger: Logger,
  context: string,
): Promise<SignatureCheck[]> {
  const checks: SignatureCheck[] = [];
  for (const image of images) {
    const check = await verify(image, kernelImage);
    checks.push(check);
    const proof =
      check.proof === 'certificate'
        ? `verified against the kernel's certificate${check.certificate ? ` SHA-256 ${check.certificate}` : ''}`
        : check.proof === 'key-id'
          ? "compared by key id with the kernel's in-tree modules (no certificate could be read from its /boot/vmlinuz)"
          : undefined;
    logger.info(
      `${check.passed ? 'ok' : 'FAILED'}: ${image.toString()} (${check.modules} module(s)${proof ? `, ${proof}` : ''})`,
    );
    for (const p of check.problems) logger.error(p);
  }
  const failed = checks.filter((c) => !c.passed);
  if (failed.length > 0) {
    throw new UserError(
      `${context}: ${failed.map((c) => c.image.toString()).join(', ')} ${failed.length === 1 ? 'is' : 'are'} not signed by the key of ${kernelImage.toString()}`,
      { details: failed.flatMap((c) => c.problems) },
    );
  }
  return checks;
}

/** Verifies the built packages, then the packages already published under the same tag. */
export async function verifyAfterPush(
  checkout: PkgsCheckout,
  packages: readonly string[],
  pkgImages: Readonly<Record<string, PinnedReference>>,
  kernelImage: PinnedReference,
  namespace: Namespace,
  tag: string,
  client: RegistryClient,
  d: { verify: VerifyAgainstKernelFn; logger: Logger },
): Promise<SignatureCheck[]> {
  const built = await verifyPackages(
    d.verify,
    kernelImage,
    packages.map((p) => pkgImages[p] as PinnedReference),
    d.logger,
    'verify-signatures failed right after the push',
  );
  const siblings: PinnedReference[] = [];
  for (const p of modulePackages(checkout)) {
    if (packages.includes(p) || !isModulePackage(checkout, p)) continue;
    const ref = imageIn(namespace, p, tag);
    const d2 = await client.head(ref).catch(() => undefined);
    if (d2) siblings.push(withDigest(ref, d2.digest));
  }
  if (siblings.length > 0) {
    d.logger.info(
      `also checking ${siblings.length} package(s) already published under tag '${tag}'`,
    );
  }
  const others = await verifyPackages(
    d.verify,
    kernelImage,
    siblings,
    d.logger,
    `the kernel pushed as ${imageIn(namespace, 'kernel', tag).toString()} no longer matches packages already published under the same tag ` +
      '(the kernel was rebuilt alone and got a fresh throw-away key); rebuild them together: make kernel <packages…>',
  );
  return [...built, ...others];
}
