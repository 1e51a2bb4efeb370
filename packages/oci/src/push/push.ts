/**
 * `push(source, dest)`: like `crane push`, uploads an image (or every image of an index, then the
 * index) and returns the pinned reference. Only blobs the repository lacks are uploaded; blobs in
 * another repository of the same registry are mounted; uncompressed layers are gzipped first.
 */
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { InputError, UserError, createTempDir, nullLogger, type TempDir } from '@talos-kmod/common';
import { createRegistryClient, type RegistryClient, type RegistryOptions } from '../client';
import { mediaTypes } from '../manifest/media-types';
import type { Descriptor, ImageIndex } from '../manifest/types';
import { sha256Digest, type Digest } from '../reference/digest';
import type { Platform } from '../reference/platform';
import { atDigest, withDigest, withTag, type Reference } from '../reference/reference';
import type { ImageSpec } from '../sources/image-spec';
import { openImage } from '../sources/open';
import type { Image, ImageSource } from '../sources/types';
import { throttledProgress } from '../blob/progress';
import { startUpload, uploadProduced } from '../blob/upload';
import { transportOrUndefined } from '../client';
import {
  gzipToFile,
  warmCompressor,
  withCompressor,
  type GzipLevel,
  type LayerInput,
} from './compress';
import {
  layerCacheKey,
  layerCachePath,
  loadLayerCache,
  saveLayerCache,
  type CompressedBlob,
} from './layer-cache';
import { runLimited } from './limit';

/**
 * zlib levels 4 and 2, on alternate 1 MiB pieces. On a layer of 4,023 Debian kernel modules
 * (400 MB) level 4 alone gives 110.2 MB, 0.2% more than skopeo's pgzip at its default level
 * (110.0 MB), for 40% of the deflate time of level 6; level 2 deflates the same pieces in about
 * 20% less time (measured piece by piece, the two levels interleaved) for 4.7% more bytes. Taking
 * them in turn gives 112.8 MB (+2.6% against skopeo; the installer row +2.0%) for about 11% less
 * deflate time than level 4 alone: the cheapest output within 3% of skopeo's that zlib's levels
 * give (level 3 alone costs nearly what level 4 does, for +3.0%). Figures: bench/README.md,
 * oci-push.
 */
export const defaultGzipLevel: GzipLevel = [4, 2];

/** Options for {@link push} and {@link pushIndex}. */
export interface PushOptions extends RegistryOptions {
  /** Push only this platform of a multi-platform source (default: all, plus the index). */
  platform?: Platform;
  /** Uncompressed layers (docker save): `gzip` them (default, as crane and skopeo do) or `keep` them. */
  uncompressedLayers?: 'gzip' | 'keep';
  /**
   * gzip level for uncompressed layers (default {@link defaultGzipLevel}): 0 stores, 1–9 as for
   * zlib; a list of levels is taken in turn by the layer's 1 MiB pieces.
   */
  gzipLevel?: GzipLevel;
  /**
   * Where to remember what uncompressed layers compressed to, so pushing them again needs no
   * compression (default `$XDG_CACHE_HOME/talos-kmod/compressed-layers.json`); false: none.
   */
  compressedLayerCache?: string | false;
  /** Blobs moved at once (default 4). */
  concurrency?: number;
  /** Repositories of the destination registry to try mounting blobs from. */
  mountFrom?: readonly string[];
  /** A client to use (not closed); default: one made from these options. */
  client?: RegistryClient;
  /** {@link pushIndex}: the index media type (default the OCI image index). */
  indexMediaType?: typeof mediaTypes.ociIndex | typeof mediaTypes.dockerManifestList;
}

/** What a push did. */
export interface PushResult {
  /** `dest@sha256:…`, tag kept: `R/U/name:tag@sha256:…` (a string in JSON). */
  reference: Reference;
  digest: Digest;
  uploadedBlobs: number;
  /** Blobs the repository already had, or that were mounted. */
  skippedBlobs: number;
  uploadedBytes: number;
  mountedBlobs: number;
}

interface PushContext {
  client: RegistryClient;
  dest: Reference;
  options: PushOptions;
  tempDir: () => Promise<string>;
  /** The compressed-layer cache (undefined when disabled), loaded on first use. */
  layerCache: () => Promise<Map<string, CompressedBlob> | undefined>;
  cacheChanged: boolean;
  stats: {
    uploadedBlobs: number;
    skippedBlobs: number;
    uploadedBytes: number;
    mountedBlobs: number;
  };
}

const gzipMediaType: Record<string, string> = {
  [mediaTypes.dockerLayer]: mediaTypes.dockerLayerGzip,
  [mediaTypes.ociLayer]: mediaTypes.ociLayerGzip,
};

async function ensureBlob(
  ctx: PushContext,
  d: Descriptor,
  open: () => Readable | Promise<Readable>,
  origin: Image['origin'],
  trusted = false,
): Promise<void> {
  const { client, dest, stats } = ctx;
  if (await client.blobExists(dest, d.digest, d.size)) {
    stats.skippedBlobs++;
    ctx.options.onProgress?.({
      operation: 'upload',
      digest: d.digest,
      done: 0,
      total: d.size,
      status: 'exists',
    });
    return;
  }
  const mountCandidates = [
    ...(origin && origin.registry === dest.registry && origin.repository !== dest.repository
      ? [origin.repository]
      : []),
    ...(ctx.options.mountFrom ?? []).filter((r) => r !== dest.repository),
  ];
  for (const from of mountCandidates) {
    if (await client.mountBlob(dest, d.digest, from)) {
      stats.skippedBlobs++;
      stats.mountedBlobs++;
      return;
    }
  }
  await client.putBlob(
    dest,
    { digest: d.digest, size: d.size, open, trusted },
    { knownMissing: true },
  );
  stats.uploadedBlobs++;
  stats.uploadedBytes += d.size;
}

/**
 * Gzips an uncompressed layer and uploads it. When an earlier push recorded what the layer
 * compresses to and the registry has that blob, nothing is compressed or sent. Otherwise the
 * compressed bytes stream straight into the upload (no temporary file); clients not made by
 * createRegistryClient compress to a temporary file first.
 */
async function pushCompressed(
  ctx: PushContext,
  image: Image,
  i: number,
  mediaType: string,
): Promise<Descriptor> {
  const layer = image.layers[i] as Descriptor;
  const level = ctx.options.gzipLevel ?? defaultGzipLevel;
  const key = layerCacheKey(layer.digest, level);
  const cache = await ctx.layerCache();
  const known = cache?.get(key);
  if (known && (await ctx.client.blobExists(ctx.dest, known.digest, known.size))) {
    ctx.stats.skippedBlobs++;
    ctx.options.onProgress?.({
      operation: 'upload',
      digest: known.digest,
      done: 0,
      total: known.size,
      status: 'exists',
    });
    return { ...layer, mediaType, digest: known.digest, size: known.size };
  }
  const input = async (): Promise<LayerInput> => {
    const file = image.layerFile?.(i);
    return file
      ? { file, digest: layer.digest, size: layer.size, what: `layer ${i} (${layer.digest})` }
      : { stream: await image.openLayer(i), what: `layer ${i} (${layer.digest})` };
  };
  const transport = transportOrUndefined(ctx.client);
  if (!transport) {
    const compressed = await gzipToFile(
      await input(),
      await ctx.tempDir(),
      layer.digest,
      level,
      ctx.options.onProgress,
    );
    const d: Descriptor = { ...layer, mediaType, digest: compressed.digest, size: compressed.size };
    await ensureBlob(ctx, d, compressed.open, undefined, true);
    await rm(compressed.path, { force: true });
    return d;
  }
  const progress = throttledProgress(ctx.options.onProgress, {
    operation: 'upload',
    digest: layer.digest,
  });
  // The upload session first (a POST that holds no connection open afterwards), then the
  // worker, then the streaming PATCH: a layer waiting for a compression worker holds no
  // connection, and the worker does not sit idle for the POST's round trip between layers.
  const started = await startUpload(transport, ctx.dest);
  if (started.mounted) throw new Error('a plain upload cannot be a mount');
  const produced = await withCompressor((compress) =>
    uploadProduced(
      transport,
      ctx.dest,
      async (emit) => compress(await input(), level, emit),
      (n) => progress.add(n),
      started.location,
    ),
  );
  progress.finish();
  cache?.set(key, produced);
  ctx.cacheChanged = true;
  ctx.stats.uploadedBlobs++;
  ctx.stats.uploadedBytes += produced.size;
  return { ...layer, mediaType, digest: produced.digest, size: produced.size };
}

/** Uploads an image's blobs and returns the manifest to write (the original bytes when unchanged). */
async function pushImageBlobs(
  ctx: PushContext,
  image: Image,
): Promise<{ bytes: Buffer; mediaType: string }> {
  const gzip = (ctx.options.uncompressedLayers ?? 'gzip') === 'gzip';
  const layers: Descriptor[] = [...image.layers];
  let changed = false;
  const tasks = image.layers.map((layer, i) => async () => {
    const target = gzipMediaType[layer.mediaType];
    if (gzip && target) {
      layers[i] = await pushCompressed(ctx, image, i, target);
      changed = true;
      return;
    }
    await ensureBlob(ctx, layer, () => image.openLayer(i), image.origin);
  });
  // A layer to compress that an earlier push has not recorded: start a worker now.
  const level = ctx.options.gzipLevel ?? defaultGzipLevel;
  const toCompress = gzip ? image.layers.filter((l) => gzipMediaType[l.mediaType]) : [];
  if (toCompress.length > 0 && transportOrUndefined(ctx.client)) {
    const cache = await ctx.layerCache();
    if (toCompress.some((l) => !cache?.has(layerCacheKey(l.digest, level)))) warmCompressor();
  }
  const config = image.configDescriptor;
  tasks.unshift(async () => {
    await ensureBlob(ctx, config, () => Readable.from([image.configBytes]), image.origin);
  });
  await runLimited(ctx.options.concurrency ?? 4, tasks);
  if (!changed) return { bytes: image.manifestBytes, mediaType: image.mediaType };
  const manifest = { ...image.manifest, layers };
  return { bytes: Buffer.from(JSON.stringify(manifest)), mediaType: image.mediaType };
}

async function pushSource(ctx: PushContext, source: ImageSource): Promise<Digest> {
  const index = ctx.options.platform ? undefined : await source.index();
  if (!index) {
    const image = await source.image(ctx.options.platform);
    const m = await pushImageBlobs(ctx, image);
    return ctx.client.putManifest(ctx.dest, m.bytes, m.mediaType);
  }
  let changed = false;
  const manifests: Descriptor[] = [];
  for (const entry of index.manifests) {
    const image = await source.imageAt(entry);
    const m = await pushImageBlobs(ctx, image);
    const digest = await ctx.client.putManifest(
      atDigest(ctx.dest, sha256Digest(m.bytes)),
      m.bytes,
      m.mediaType,
    );
    if (digest !== entry.digest) changed = true;
    manifests.push({ ...entry, mediaType: m.mediaType, digest, size: m.bytes.length });
  }
  const bytes = changed
    ? Buffer.from(
        JSON.stringify({ ...(JSON.parse(index.bytes.toString('utf8')) as ImageIndex), manifests }),
      )
    : index.bytes;
  return ctx.client.putManifest(ctx.dest, bytes, index.mediaType);
}

function destination(ref: Reference): Reference {
  if (ref.digest && ref.tag) {
    throw new UserError(
      `push destination '${ref.toString()}' has both a tag and a digest: give a tag (the digest is what the push returns)`,
    );
  }
  return ref.tag || ref.digest ? ref : withTag(ref, 'latest');
}

/**
 * Refuses a `gzipLevel` zlib would refuse only at the piece that takes it (mid-upload), or would
 * read as something else (-1: zlib's default): levels are whole numbers 0–9, a list not empty.
 */
function checkGzipLevel(level: GzipLevel | undefined): void {
  if (level === undefined) return;
  const levels = typeof level === 'number' ? [level] : level;
  const bad = levels.find((l) => !Number.isInteger(l) || l < 0 || l > 9);
  if (levels.length === 0 || bad !== undefined) {
    throw new InputError(
      `gzipLevel ${JSON.stringify(level)} is not a zlib level or a list of them: give whole numbers 0–9 (0 stores), e.g. 4 or [4, 2]`,
    );
  }
}

async function withContext<T>(
  dest: Reference,
  options: PushOptions,
  fn: (ctx: PushContext) => Promise<T>,
): Promise<T> {
  checkGzipLevel(options.gzipLevel);
  const destRef = destination(dest);
  const client = options.client ?? createRegistryClient(options);
  let dir: TempDir | undefined;
  const cachePath =
    options.compressedLayerCache === false
      ? undefined
      : (options.compressedLayerCache ?? layerCachePath());
  let cache: Promise<Map<string, CompressedBlob>> | undefined;
  const ctx: PushContext = {
    layerCache: () =>
      cachePath ? (cache ??= loadLayerCache(cachePath)) : Promise.resolve(undefined),
    cacheChanged: false,
    client,
    dest: destRef,
    options,
    tempDir: async () => (dir ??= await createTempDir('talos-kmod-push-')).path,
    stats: { uploadedBlobs: 0, skippedBlobs: 0, uploadedBytes: 0, mountedBlobs: 0 },
  };
  try {
    return await fn(ctx);
  } finally {
    if (ctx.cacheChanged && cachePath && cache) await saveLayerCache(await cache, cachePath);
    if (dir) await dir.remove();
    if (!options.client) await client.close();
  }
}

/**
 * Reads the pushed tag (or digest) back before the push is reported done: a registry, or a proxy
 * in front of it, that acknowledged the manifest without storing it must not make an image look
 * pushed that nobody can pull.
 */
async function confirmPushed(ctx: PushContext, digest: Digest): Promise<void> {
  const found = await ctx.client.head(ctx.dest);
  if (found?.digest === digest) return;
  const dest = ctx.dest.toString();
  throw new UserError(
    found
      ? `${dest} points at ${found.digest} after the push, not at the pushed ${digest}: another push replaced the tag meanwhile, or the registry is misbehaving; push again`
      : `${ctx.dest.registry} acknowledged manifest ${digest} for ${dest} but does not serve it: the registry (or a proxy in front of it) is misbehaving; push again`,
  );
}

function result(ctx: PushContext, digest: Digest): PushResult {
  const pinned = ctx.dest.digest ? ctx.dest : withDigest(ctx.dest, digest);
  if (ctx.dest.digest && ctx.dest.digest !== digest) {
    throw new UserError(
      `pushed manifest has digest ${digest}, not ${ctx.dest.digest} as the destination says`,
    );
  }
  return { reference: pinned, digest, ...ctx.stats };
}

/**
 * Pushes `source` (an {@link ImageSource}, or a spec {@link openImage} opens and this closes) to
 * `dest` and returns the pinned reference. Multi-platform sources push every image, then the
 * index under the tag.
 */
export async function push(
  source: ImageSpec | ImageSource,
  dest: Reference,
  options: PushOptions = {},
): Promise<PushResult> {
  const logger = options.logger ?? nullLogger;
  return withContext(dest, options, async (ctx) => {
    const owned = 'transport' in source;
    const src = owned ? await openImage(source, { ...options, client: ctx.client }) : source;
    try {
      logger.debug(`push ${src.description} → ${ctx.dest.toString()}`);
      const digest = await pushSource(ctx, src);
      await confirmPushed(ctx, digest);
      return result(ctx, digest);
    } finally {
      if (owned) await src.close();
    }
  });
}

/**
 * Writes an OCI image index (or, with `indexMediaType`, a Docker manifest list) under `dest`'s tag
 * from manifests already pushed (pinned references) to the same registry. Manifests in another repository are copied into dest's repository first
 * (blobs mounted).
 */
export async function pushIndex(
  dest: Reference,
  manifests: readonly { reference: Reference; platform: Platform }[],
  options: PushOptions = {},
): Promise<PushResult> {
  if (manifests.length === 0) {
    throw new UserError(`pushIndex to ${dest.toString()}: no manifests given`);
  }
  return withContext(dest, options, async (ctx) => {
    const entries: Descriptor[] = [];
    for (const m of manifests) {
      const ref = m.reference;
      if (!ref.digest) {
        throw new UserError(
          `index entry '${m.reference.toString()}' is not pinned: give the pushed reference with its @sha256: digest`,
        );
      }
      if (ref.registry !== ctx.dest.registry) {
        throw new UserError(
          `index entry '${m.reference.toString()}' is in ${ref.registry}, not ${ctx.dest.registry}: push it to ${ctx.dest.registry} first`,
        );
      }
      let descriptor: Descriptor;
      if (ref.repository === ctx.dest.repository) {
        const d = await ctx.client.head(ref);
        if (!d)
          throw new UserError(
            `index entry ${m.reference.toString()} does not exist: push it first`,
          );
        descriptor = d;
      } else {
        const fetched = await ctx.client.getManifest(ref);
        if (fetched.parsed.kind === 'image') {
          const blobs = [fetched.parsed.manifest.config, ...fetched.parsed.manifest.layers];
          for (const b of blobs) {
            await ensureBlob(ctx, b, () => ctx.client.getBlob(ref, b), {
              registry: ref.registry,
              repository: ref.repository,
            });
          }
        }
        await ctx.client.putManifest(
          atDigest(ctx.dest, fetched.descriptor.digest),
          fetched.bytes,
          fetched.descriptor.mediaType,
        );
        descriptor = fetched.descriptor;
      }
      entries.push({
        mediaType: descriptor.mediaType,
        digest: descriptor.digest,
        size: descriptor.size,
        platform: { ...m.platform },
      });
    }
    const mediaType = options.indexMediaType ?? mediaTypes.ociIndex;
    const index: ImageIndex = { schemaVersion: 2, mediaType, manifests: entries };
    const bytes = Buffer.from(JSON.stringify(index));
    const digest = await ctx.client.putManifest(ctx.dest, bytes, mediaType);
    await confirmPushed(ctx, digest);
    return result(ctx, digest);
  });
}
