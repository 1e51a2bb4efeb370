/** An {@link ImageSource} over any {@link ContentStore}: index and platform selection, image loading. */
import { InputError, UserError } from '@talos-kmod/common';
import { isIndexMediaType } from '../manifest/media-types';
import { configPlatform, parseManifest, type Descriptor } from '../manifest/types';
import type { Digest } from '../reference/digest';
import { formatPlatform, platformMatches, type Platform } from '../reference/platform';
import type { ContentStore, Image, ImageSource, SourceIndex } from './types';

type Root =
  | { kind: 'index'; index: SourceIndex }
  | { kind: 'image'; digest: Digest; mediaType: string; bytes: Buffer };

/** True for index entries that are not runnable images (buildx attestations: unknown/unknown). */
export function isAttestation(d: Descriptor): boolean {
  return (
    d.platform?.os === 'unknown' ||
    d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest'
  );
}

class StoreImageSource implements ImageSource {
  private rootPromise?: Promise<Root>;
  constructor(private readonly store: ContentStore) {}

  get description(): string {
    return this.store.description;
  }

  private root(): Promise<Root> {
    this.rootPromise ??= (async () => {
      const r = await this.store.root();
      let parsed = parseManifest(r.bytes, this.description, r.mediaType);
      let digest = r.digest;
      let bytes = r.bytes;
      // An index with a single entry that is itself an index (OCI layouts written by buildx):
      // descend to the inner one.
      while (parsed.kind === 'index' && parsed.index.manifests.length === 1) {
        const only = parsed.index.manifests[0] as Descriptor;
        if (!isIndexMediaType(only.mediaType)) break;
        bytes = await this.store.manifest(only);
        parsed = parseManifest(bytes, `${this.description} (index ${only.digest})`, only.mediaType);
        digest = only.digest;
      }
      if (parsed.kind === 'index') {
        const manifests = parsed.index.manifests;
        return {
          kind: 'index',
          index: { digest, mediaType: parsed.mediaType, bytes, manifests },
        };
      }
      return { kind: 'image', digest, mediaType: parsed.mediaType, bytes };
    })();
    return this.rootPromise;
  }

  async index(): Promise<SourceIndex | undefined> {
    const root = await this.root();
    return root.kind === 'index' ? root.index : undefined;
  }

  async platforms(): Promise<Platform[]> {
    const root = await this.root();
    if (root.kind === 'image') {
      const image = await this.load(root.bytes, root.digest, root.mediaType);
      return image.platform ? [image.platform] : [];
    }
    return root.index.manifests
      .filter((d) => !isAttestation(d) && d.platform)
      .map((d) => {
        const p = d.platform as Platform;
        return p.variant
          ? { os: p.os, architecture: p.architecture, variant: p.variant }
          : { os: p.os, architecture: p.architecture };
      });
  }

  async image(platform?: Platform): Promise<Image> {
    const root = await this.root();
    if (root.kind === 'image') {
      const image = await this.load(root.bytes, root.digest, root.mediaType);
      if (platform && image.platform && !platformMatches(platform, image.platform)) {
        throw new InputError(
          `${this.description} is a single ${formatPlatform(image.platform)} image, not ${formatPlatform(platform)}: pick another image or drop the platform`,
        );
      }
      return image;
    }
    const candidates = root.index.manifests.filter((d) => !isAttestation(d));
    const listed = candidates
      .map((d) => (d.platform ? formatPlatform(d.platform) : d.digest))
      .join(', ');
    let chosen: Descriptor | undefined;
    if (platform) {
      chosen = candidates.find((d) => d.platform && platformMatches(platform, d.platform));
      if (!chosen) {
        throw new InputError(
          `${this.description} has no image for ${formatPlatform(platform)}; it has: ${listed || 'none'}`,
        );
      }
    } else if (candidates.length === 1) {
      chosen = candidates[0];
    } else {
      throw new InputError(
        `${this.description} is a multi-platform index (${listed}): choose one with a platform (e.g. --platform linux/amd64)`,
      );
    }
    return this.imageAt(chosen as Descriptor);
  }

  async imageAt(d: Descriptor): Promise<Image> {
    const bytes = await this.store.manifest(d);
    if (isIndexMediaType(d.mediaType)) {
      throw new UserError(
        `${this.description}: ${d.digest} is a nested index; nested indexes are not supported here`,
      );
    }
    return this.load(bytes, d.digest, d.mediaType, d.platform);
  }

  private async load(
    bytes: Buffer,
    digest: Digest,
    mediaType: string,
    hint?: Platform,
  ): Promise<Image> {
    const where = `${this.description} (manifest ${digest})`;
    const parsed = parseManifest(bytes, where, mediaType);
    if (parsed.kind !== 'image')
      throw new UserError(`${where} is an index where an image was expected`);
    const manifest = parsed.manifest;
    const configBytes = await this.store.blobBytes(manifest.config);
    let config: unknown;
    try {
      config = JSON.parse(configBytes.toString('utf8'));
    } catch {
      throw new UserError(`${where}: the image config ${manifest.config.digest} is not JSON`);
    }
    const platform = configPlatform(config) ?? hint;
    const store = this.store;
    const layers = manifest.layers;
    return {
      digest,
      mediaType: parsed.mediaType,
      manifest,
      manifestBytes: bytes,
      config,
      configBytes,
      configDescriptor: manifest.config,
      ...(platform ? { platform } : {}),
      layers,
      ...(store.origin ? { origin: store.origin } : {}),
      openLayer(index: number) {
        const layer = layers[index];
        if (!layer) throw new UserError(`${where} has no layer ${index} (it has ${layers.length})`);
        return store.blob(layer);
      },
      ...(store.blobFile
        ? {
            layerFile: (index: number) => {
              const layer = layers[index];
              return layer ? store.blobFile?.(layer) : undefined;
            },
          }
        : {}),
    };
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** Wraps a content store as an image source. */
export function sourceFromStore(store: ContentStore): ImageSource {
  return new StoreImageSource(store);
}
