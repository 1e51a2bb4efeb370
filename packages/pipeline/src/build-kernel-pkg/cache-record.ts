/**
 * What a cache entry of build-kernel-pkg holds, and the check that makes a hit usable: every
 * recorded image still exists and its tag still points at the recorded digest (a kernel rebuilt
 * under the same tag since would otherwise be paired with packages signed by another key).
 */
import type { Logger } from '@talos-kmod/common';
import { parseReference, type RegistryClient } from '@talos-kmod/oci';

/** A recorded result. */
export interface KernelPkgRecord {
  readonly version: 1;
  readonly key: string;
  readonly createdAt: string;
  readonly pkgsTag: string;
  readonly pkgsPrefix: string;
  readonly kernelImage: string;
  /** Package name → pinned reference. */
  readonly pkgImages: Readonly<Record<string, string>>;
  /** True when verify-signatures checked these images when they were recorded. */
  readonly verified?: boolean;
}

/** Parses a cache entry; undefined (with a warning) when it is not a record of this version. */
export function parseKernelPkgRecord(text: string, logger: Logger): KernelPkgRecord | undefined {
  try {
    const r = JSON.parse(text) as Partial<KernelPkgRecord>;
    if (
      r.version === 1 &&
      typeof r.key === 'string' &&
      typeof r.pkgsTag === 'string' &&
      typeof r.pkgsPrefix === 'string' &&
      typeof r.kernelImage === 'string' &&
      typeof r.pkgImages === 'object' &&
      r.pkgImages !== null
    ) {
      return r as KernelPkgRecord;
    }
  } catch {
    // fall through
  }
  logger.warning(
    'the cache entry is not a build-kernel-pkg record of this version; building instead',
  );
  return undefined;
}

/**
 * True when every recorded image is still in the registry under its tag with the recorded digest;
 * otherwise logs why the entry cannot be used.
 */
export async function recordStillValid(
  record: KernelPkgRecord,
  client: RegistryClient,
  logger: Logger,
): Promise<boolean> {
  for (const pinned of [record.kernelImage, ...Object.values(record.pkgImages)]) {
    const ref = parseReference(pinned);
    const byTag = parseReference(pinned.split('@')[0] ?? pinned);
    const current = await client.head(byTag).catch(() => undefined);
    if (!current) {
      logger.info(`cache entry unusable: ${byTag.toString()} is no longer in the registry`);
      return false;
    }
    if (current.digest !== ref.digest) {
      logger.info(
        `cache entry unusable: ${byTag.toString()} now points at ${current.digest}, not the recorded ${ref.digest ?? '?'}`,
      );
      return false;
    }
  }
  return true;
}
