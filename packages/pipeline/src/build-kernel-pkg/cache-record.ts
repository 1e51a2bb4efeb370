/**
 * What a cache entry of build-kernel-pkg holds, and the check that makes a hit usable: every
 * recorded image still exists and its tag still points at the recorded digest (a kernel rebuilt
 * under the same tag since would otherwise be paired with packages signed by another key).
 */
import { describeError, type Logger } from '@talos-kmod/common';
import {
  parseNamespace,
  parsePinnedReference,
  parseTag,
  withoutDigest,
  type Namespace,
  type PinnedReference,
  type RegistryClient,
  type Tag,
} from '@talos-kmod/oci';

/**
 * A recorded result. On disk the references are strings (their `toJSON`); read back, they are
 * parsed with the same parser as any other reference, since a cache entry is untrusted.
 */
export interface KernelPkgRecord {
  readonly version: 1;
  readonly key: string;
  readonly createdAt: string;
  readonly pkgsTag: Tag;
  readonly pkgsPrefix: Namespace;
  readonly kernelImage: PinnedReference;
  /** Package name → pinned reference. */
  readonly pkgImages: Readonly<Record<string, PinnedReference>>;
  /** True when verify-signatures checked these images when they were recorded. */
  readonly verified?: boolean;
}

/** A record as JSON text holds it, before its references are parsed. */
type RecordJson = { [K in keyof KernelPkgRecord]?: unknown };

/** The record's references parsed; undefined when one is not a pinned reference. */
function parseRecord(r: RecordJson): KernelPkgRecord | undefined {
  if (
    r.version !== 1 ||
    typeof r.key !== 'string' ||
    typeof r.createdAt !== 'string' ||
    typeof r.pkgsTag !== 'string' ||
    typeof r.pkgsPrefix !== 'string' ||
    typeof r.kernelImage !== 'string' ||
    typeof r.pkgImages !== 'object' ||
    r.pkgImages === null ||
    (r.verified !== undefined && typeof r.verified !== 'boolean')
  ) {
    return undefined;
  }
  const pkgImages: Record<string, PinnedReference> = {};
  for (const [name, text] of Object.entries(r.pkgImages)) {
    if (typeof text !== 'string') return undefined;
    pkgImages[name] = parsePinnedReference(text);
  }
  return {
    version: 1,
    key: r.key,
    createdAt: r.createdAt,
    pkgsTag: parseTag(r.pkgsTag),
    pkgsPrefix: parseNamespace(r.pkgsPrefix),
    kernelImage: parsePinnedReference(r.kernelImage),
    pkgImages,
    ...(r.verified !== undefined ? { verified: r.verified } : {}),
  };
}

/** Parses a cache entry; undefined (with a warning) when it is not a record of this version. */
export function parseKernelPkgRecord(text: string, logger: Logger): KernelPkgRecord | undefined {
  try {
    const record = parseRecord(JSON.parse(text) as RecordJson);
    if (record) return record;
  } catch {
    // fall through: not JSON, or a reference that does not parse
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
  for (const ref of [record.kernelImage, ...Object.values(record.pkgImages)]) {
    const byTag = withoutDigest(ref);
    let current;
    try {
      current = await client.head(byTag);
    } catch (e: unknown) {
      // not an answer about the image (refused, timed out, denied): say so, not "gone"
      logger.info(
        `cache entry not checked: asking for ${byTag.toString()} failed (${describeError(e)}); building instead`,
      );
      return false;
    }
    if (!current) {
      logger.info(`cache entry unusable: ${byTag.toString()} is no longer in the registry`);
      return false;
    }
    if (current.digest !== ref.digest) {
      logger.info(
        `cache entry unusable: ${byTag.toString()} now points at ${current.digest}, not the recorded ${ref.digest}`,
      );
      return false;
    }
  }
  return true;
}
