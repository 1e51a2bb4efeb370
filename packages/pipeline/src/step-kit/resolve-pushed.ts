/**
 * After make: every pushed target is looked up in the registry by the tag make pushed it under,
 * and pinned to the digest the registry reports. Where buildx wrote a metadata file, its digest
 * must agree; a difference means something else pushed the same tag meanwhile.
 */
import { UserError, type Logger } from '@talos-kmod/common';
import {
  withDigest,
  type PinnedReference,
  type Reference,
  type RegistryClient,
} from '@talos-kmod/oci';
import { readBuildxMetadata } from './metadata';

/** One target to resolve: the tag reference and, if any, its metadata file. */
export interface PushedTarget {
  readonly target: string;
  /** `R/U/<target>:<tag>` */
  readonly ref: Reference;
  readonly metadataFile?: string;
}

/** Resolves `targets` to pinned references (`R/U/name:tag@sha256:…`), in order. */
export async function resolvePushed(
  client: RegistryClient,
  targets: readonly PushedTarget[],
  logger: Logger,
): Promise<Record<string, PinnedReference>> {
  const out: Record<string, PinnedReference> = {};
  for (const t of targets) {
    const { ref } = t;
    const descriptor = await client.head(ref);
    if (!descriptor) {
      throw new UserError(
        `make finished, but ${ref.toString()} is not in the registry: the build did not push it. ` +
          'Check that the Makefile tags images as REGISTRY/USERNAME/<target>:TAG and that PUSH reached it.',
      );
    }
    const pinned = withDigest(ref, descriptor.digest);
    if (t.metadataFile) {
      const meta = await readBuildxMetadata(t.metadataFile).catch((e: unknown) => {
        logger.warning(
          `could not read ${t.metadataFile}: ${e instanceof Error ? e.message : String(e)}`,
        );
        return undefined;
      });
      if (!meta) {
        logger.debug(
          `no buildx metadata file for ${t.target} at ${t.metadataFile}; registry digest only`,
        );
      } else if (meta.digest && meta.digest !== descriptor.digest) {
        throw new UserError(
          `${ref.toString()} in the registry is ${descriptor.digest}, but the build pushed ${meta.digest} ` +
            `(${t.metadataFile}): something else pushed the same tag meanwhile. Re-run with a tag ` +
            'only this build uses.',
        );
      } else if (meta.digest) {
        logger.debug(`${t.target}: registry digest matches buildx metadata (${meta.digest})`);
      }
    }
    logger.info(`${t.target}: ${pinned.toString()}`);
    out[t.target] = pinned;
  }
  return out;
}
