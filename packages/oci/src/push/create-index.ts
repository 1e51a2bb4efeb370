/**
 * `createIndex(dest, sources)`: joins per-platform images already in a registry into one
 * multi-platform index, like `docker buildx imagetools create` or `crane index append`, with the
 * checks a fan-out build needs: every source names its platform (image config `os`/`architecture`,
 * or the index entry's `platform`), no platform comes twice, and, when the expected platforms are
 * given, none is missing or unexpected.
 */
import { UserError } from '@talos-kmod/common';
import { createRegistryClient } from '../client';
import { isImageManifestMediaType, mediaTypes } from '../manifest/media-types';
import { configPlatform, type Descriptor } from '../manifest/types';
import {
  formatPlatform,
  parsePlatform,
  platformMatches,
  type Platform,
} from '../reference/platform';
import type { Digest } from '../reference/digest';
import { atDigest, type Reference } from '../reference/reference';
import { pushIndex, type PushOptions, type PushResult } from './push';

/** Options for {@link createIndex}. */
export interface CreateIndexOptions extends Omit<PushOptions, 'indexMediaType' | 'platform'> {
  /**
   * The platforms the index must hold, exactly: a missing one fails naming it (its build failed or
   * was not given), and so does one that was not asked for.
   */
  platforms?: readonly Platform[];
}

/** One platform image of the index, and where it came from. */
export interface IndexEntry {
  /** `os/architecture[/variant]`. */
  platform: string;
  /** The image, pinned (a string in JSON). */
  reference: Reference;
  digest: Digest;
  mediaType: string;
  /** The source it came from. */
  source: Reference;
}

/** What {@link createIndex} pushed. */
export interface CreateIndexResult extends PushResult {
  /** The index media type: OCI image index, or Docker manifest list when every image is Docker's. */
  mediaType: string;
  entries: IndexEntry[];
}

/** An attestation entry of a BuildKit index (provenance, SBOM): not a platform image. */
function isAttestation(d: Descriptor): boolean {
  return (
    d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
    (d.platform?.os === 'unknown' && d.platform.architecture === 'unknown')
  );
}

/** The platform images of one source, each pinned. */
async function entriesOf(
  ref: Reference,
  destRegistry: string,
  client: ReturnType<typeof createRegistryClient>,
): Promise<IndexEntry[]> {
  const source = ref.toString();
  if (ref.registry !== destRegistry) {
    throw new UserError(
      `source '${source}' is in ${ref.registry}, not ${destRegistry}: an index can only point at images in its own registry; push the image to ${destRegistry} first`,
    );
  }
  const fetched = await client.getManifest(ref);
  if (fetched.parsed.kind === 'image') {
    const config = fetched.parsed.manifest.config;
    let platform: Platform | undefined;
    try {
      platform = configPlatform(JSON.parse((await client.getBlobBytes(ref, config)).toString()));
    } catch (e: unknown) {
      if (e instanceof SyntaxError) platform = undefined;
      else throw e;
    }
    if (!platform) {
      throw new UserError(
        `source '${source}' names no platform: its image config has no os/architecture; build it with --platform (e.g. linux/arm64) or give an index whose entries carry their platform`,
      );
    }
    return [
      {
        platform: formatPlatform(platform),
        reference: atDigest(ref, fetched.descriptor.digest),
        digest: fetched.descriptor.digest,
        mediaType: fetched.descriptor.mediaType,
        source: ref,
      },
    ];
  }
  const entries: IndexEntry[] = [];
  for (const d of fetched.parsed.index.manifests) {
    if (isAttestation(d)) continue;
    if (!d.platform?.os || !d.platform.architecture) {
      throw new UserError(
        `source '${source}' is an index whose entry ${d.digest} has no platform annotation: give that image by its own reference, or rebuild the index with platforms`,
      );
    }
    if (!isImageManifestMediaType(d.mediaType)) {
      throw new UserError(
        `source '${source}' entry ${d.digest} is a ${d.mediaType}, not an image manifest: give the images of a nested index one by one`,
      );
    }
    const { os, architecture, variant } = d.platform;
    entries.push({
      platform: formatPlatform(variant ? { os, architecture, variant } : { os, architecture }),
      reference: atDigest(ref, d.digest),
      digest: d.digest,
      mediaType: d.mediaType,
      source: ref,
    });
  }
  if (entries.length === 0) {
    throw new UserError(
      `source '${source}' is an index without platform images (only attestations or nothing): give the per-platform images`,
    );
  }
  return entries;
}

function checkPlatforms(dest: string, entries: IndexEntry[], expected?: readonly Platform[]): void {
  const seen = new Map<string, IndexEntry>();
  for (const e of entries) {
    const other = seen.get(e.platform);
    if (other) {
      throw new UserError(
        `${dest}: ${e.platform} comes from both '${other.source.toString()}' and '${e.source.toString()}': give one image per platform`,
      );
    }
    seen.set(e.platform, e);
  }
  if (!expected) return;
  const parse = parsePlatform;
  const missing = expected.filter(
    (p) => !entries.some((e) => platformMatches(p, parse(e.platform))),
  );
  if (missing.length > 0) {
    throw new UserError(
      `${dest}: no ${missing.map(formatPlatform).join(', ')} image among the sources (${entries.map((e) => e.platform).join(', ') || 'none'}): the ${missing.map(formatPlatform).join(', ')} build failed or did not run; fix it and run again`,
    );
  }
  const extra = entries.filter((e) => !expected.some((p) => platformMatches(p, parse(e.platform))));
  if (extra.length > 0) {
    throw new UserError(
      `${dest}: ${extra.map((e) => `${e.platform} (from '${e.source.toString()}')`).join(', ')} was not asked for (platforms: ${expected.map(formatPlatform).join(', ')}): add it to the platforms or leave that source out`,
    );
  }
}

/**
 * Pushes one index under `dest` (repository:tag) pointing at the platform images of `sources`
 * (images or indexes in the same registry, by tag or digest). The index is a Docker manifest
 * list when every image is a Docker schema 2 manifest, else an OCI image index. Returns the
 * pinned reference of the index.
 */
export async function createIndex(
  destRef: Reference,
  sources: readonly Reference[],
  options: CreateIndexOptions = {},
): Promise<CreateIndexResult> {
  const dest = destRef.toString();
  if (sources.length === 0) {
    throw new UserError(`index ${dest}: no sources given: name the per-platform images to join`);
  }
  if (destRef.digest) {
    throw new UserError(
      `index destination '${dest}' has a digest: give repository:tag, the digest is the index's own`,
    );
  }
  const client = options.client ?? createRegistryClient(options);
  try {
    const entries: IndexEntry[] = [];
    for (const source of sources)
      entries.push(...(await entriesOf(source, destRef.registry, client)));
    checkPlatforms(dest, entries, options.platforms);
    const docker = entries.every((e) => e.mediaType === mediaTypes.dockerManifest);
    const mediaType = docker ? mediaTypes.dockerManifestList : mediaTypes.ociIndex;
    const pushed = await pushIndex(
      destRef,
      entries.map((e) => ({ reference: e.reference, platform: parsePlatform(e.platform) })),
      { ...options, client, indexMediaType: mediaType },
    );
    return {
      ...pushed,
      mediaType,
      entries: entries.map((e) => ({ ...e, reference: atDigest(destRef, e.digest) })),
    };
  } finally {
    if (!options.client) await client.close();
  }
}
