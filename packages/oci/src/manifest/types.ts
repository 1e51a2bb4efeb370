/** The JSON shapes of manifests, indexes and descriptors, and their validation. */
import { UserError } from '@talos-kmod/common';
import { isDigest, type Digest } from '../reference/digest';
import type { Platform } from '../reference/platform';
import { isImageManifestMediaType, isIndexMediaType, mediaTypes } from './media-types';

/** A content descriptor: what a manifest or index points at. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform & { 'os.version'?: string; 'os.features'?: string[] };
  artifactType?: string;
}

/** An image manifest (OCI or Docker schema 2). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** An image index (OCI) or manifest list (Docker). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

function fail(where: string, why: string): UserError {
  return new UserError(`${where} is not a valid image manifest: ${why}`);
}

/** Checks a descriptor's required fields. */
export function checkDescriptor(d: unknown, where: string): Descriptor {
  const o = d as { digest?: unknown; size?: unknown; mediaType?: unknown } | null;
  if (!o || typeof o !== 'object') throw fail(where, 'a descriptor is not an object');
  if (typeof o.digest !== 'string' || !isDigest(o.digest)) {
    throw fail(where, `descriptor digest '${String(o.digest)}' is not a sha256/sha512 digest`);
  }
  if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0) {
    throw fail(where, `descriptor ${o.digest} has no valid size`);
  }
  if (typeof o.mediaType !== 'string') throw fail(where, `descriptor ${o.digest} has no mediaType`);
  return o as unknown as Descriptor;
}

/** A parsed manifest: an image manifest or an index, with the media type it was served as. */
export type ParsedManifest =
  | { kind: 'image'; mediaType: string; manifest: ImageManifest }
  | { kind: 'index'; mediaType: string; index: ImageIndex };

/**
 * Parses manifest bytes. The media type comes from the document, else from the
 * `Content-Type` it was served with. Schema 1 is refused with advice.
 */
export function parseManifest(bytes: Buffer, where: string, contentType?: string): ParsedManifest {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw fail(where, 'it is not JSON');
  }
  if (!json || typeof json !== 'object') throw fail(where, 'it is not a JSON object');
  const declared = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  const served = contentType?.split(';')[0]?.trim();
  if (json.schemaVersion === 1 || served === mediaTypes.dockerSchema1Signed) {
    throw new UserError(
      `${where} is a Docker schema 1 manifest, which is no longer supported: push the image again with a current Docker or with skopeo`,
    );
  }
  let mediaType = declared ?? (served && served !== 'application/json' ? served : undefined);
  if (!mediaType)
    mediaType = Array.isArray(json.manifests) ? mediaTypes.ociIndex : mediaTypes.ociManifest;
  if (isIndexMediaType(mediaType) || (Array.isArray(json.manifests) && !json.config)) {
    if (!Array.isArray(json.manifests)) throw fail(where, 'an index without manifests');
    json.manifests.forEach((m, i) => checkDescriptor(m, `${where} (manifest ${i})`));
    return { kind: 'index', mediaType, index: json as unknown as ImageIndex };
  }
  if (!isImageManifestMediaType(mediaType) && !json.config) {
    throw fail(where, `unsupported media type '${mediaType}'`);
  }
  checkDescriptor(json.config, `${where} (config)`);
  if (!Array.isArray(json.layers)) throw fail(where, 'it has no layers array');
  json.layers.forEach((l, i) => checkDescriptor(l, `${where} (layer ${i})`));
  return { kind: 'image', mediaType, manifest: json as unknown as ImageManifest };
}

/** The platform of an image config (`os`, `architecture`, `variant`). */
export function configPlatform(config: unknown): Platform | undefined {
  const c = config as { os?: unknown; architecture?: unknown; variant?: unknown } | null;
  if (!c || typeof c.os !== 'string' || typeof c.architecture !== 'string') return undefined;
  return typeof c.variant === 'string' && c.variant
    ? { os: c.os, architecture: c.architecture, variant: c.variant }
    : { os: c.os, architecture: c.architecture };
}

/** The `rootfs.diff_ids` of an image config. */
export function configDiffIds(config: unknown): string[] {
  const ids = (config as { rootfs?: { diff_ids?: unknown } } | null)?.rootfs?.diff_ids;
  return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
}
