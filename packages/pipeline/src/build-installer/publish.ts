/**
 * Checks each installer tarball and pushes it with @talos-kmod/oci (no `docker load`): one platform
 * goes straight to the destination tag; several are pushed by digest into the destination
 * repository and joined by an index under the tag.
 */
import type { Logger } from '@talos-kmod/common';
import {
  atDigest,
  parsePlatform,
  push,
  pushIndex,
  requirePinned,
  type PinnedReference,
  type Platform,
  type Reference,
  type RegistryOptions,
} from '@talos-kmod/oci';
import { checkInstallerTarball, type InstallerTarballCheck } from '@talos-kmod/talos';
import type { Tarballs } from './run-imager';

/** What was published. */
export interface Published {
  /** The destination, pinned (the index when several platforms). */
  readonly installerImage: PinnedReference;
  /** arch → pinned per-platform image. */
  readonly installerImages: Record<string, PinnedReference>;
  readonly checks: Record<string, InstallerTarballCheck>;
  readonly uploadedBytes: number;
}

/** Checks every tarball (all of them, before anything is pushed). */
export async function checkTarballs(
  tarballs: Tarballs,
  logger: Logger,
): Promise<Record<string, InstallerTarballCheck>> {
  return logger.group('Check the installer tarballs', async () => {
    const checks: Record<string, InstallerTarballCheck> = {};
    for (const [arch, path] of Object.entries(tarballs)) {
      const check = await checkInstallerTarball(path, arch);
      logger.info(
        `${path}: linux/${arch} installer (${check.bootFormat}: ${check.files.join(', ')})`,
      );
      checks[arch] = check;
    }
    return checks;
  });
}

/** Pushes checked tarballs to `destination`. */
export async function publishInstaller(
  tarballs: Tarballs,
  checks: Record<string, InstallerTarballCheck>,
  destination: Reference,
  deps: { logger: Logger; registry: RegistryOptions },
): Promise<Published> {
  const arches = Object.keys(tarballs);
  return deps.logger.group(`Push the installer to ${destination.toString()}`, async () => {
    const installerImages: Record<string, PinnedReference> = {};
    let uploadedBytes = 0;
    if (arches.length === 1) {
      const arch = arches[0] ?? '';
      const result = await push(
        { transport: 'docker-archive', path: tarballs[arch] ?? '' },
        destination,
        deps.registry,
      );
      const pinned = requirePinned(result.reference);
      installerImages[arch] = pinned;
      uploadedBytes += result.uploadedBytes;
      deps.logger.info(
        `pushed ${pinned.toString()} (${result.uploadedBlobs} blobs uploaded, ${result.skippedBlobs} already there)`,
      );
      return {
        installerImage: pinned,
        installerImages,
        checks,
        uploadedBytes,
      };
    }
    const entries: { reference: Reference; platform: Platform }[] = [];
    for (const arch of arches) {
      const digest = checks[arch]?.digest;
      if (!digest) throw new Error(`the ${arch} installer tarball was not checked before the push`);
      const result = await push(
        { transport: 'docker-archive', path: tarballs[arch] ?? '' },
        atDigest(destination, digest),
        deps.registry,
      );
      installerImages[arch] = requirePinned(result.reference);
      uploadedBytes += result.uploadedBytes;
      entries.push({
        reference: result.reference,
        platform: parsePlatform(`linux/${arch}`),
      });
      deps.logger.info(`pushed linux/${arch} as ${result.reference.toString()}`);
    }
    const index = await pushIndex(destination, entries, deps.registry);
    const pinned = requirePinned(index.reference);
    deps.logger.info(`pushed the index ${pinned.toString()}`);
    return { installerImage: pinned, installerImages, checks, uploadedBytes };
  });
}
