/**
 * `docker save` archives (legacy `<id>/layer.tar`, and the `blobs/sha256/…` layout of newer
 * engines) and go-containerregistry tarballs (`<digest>.tar.gz` layers, what the Talos imager
 * writes as `_out/installer-<arch>.tar`), read through their `manifest.json`. The source's
 * manifest is a Docker schema 2 manifest written for the archive's config and layers as stored.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { UserError } from '@talos-kmod/common';
import { verifyingStream } from '../blob/verify';
import { mediaTypes } from '../manifest/media-types';
import { configDiffIds, type Descriptor, type ImageManifest } from '../manifest/types';
import { isDigest, parseDigest, sha256Digest, type Digest } from '../reference/digest';
import { parseReference } from '../reference/reference';
import type { TarIndex } from '../tar/index-file';
import { sniffCompression } from '../files/decompress';
import type { ContentStore } from './types';

interface ArchiveEntry {
  Config?: unknown;
  RepoTags?: unknown;
  Layers?: unknown;
}

function canonical(ref: string): string {
  try {
    return parseReference(ref).toString();
  } catch {
    return ref;
  }
}

/**
 * A layer's first bytes, to tell its compression: read directly (a stream over pooled 1 MiB
 * pieces would take a fresh piece per layer only to keep 8 bytes of it).
 */
function head(tar: TarIndex, name: string): Promise<Buffer> {
  return tar.readBytes(name, 8);
}

async function hashMember(tar: TarIndex, name: string): Promise<Digest> {
  const hash = createHash('sha256');
  for await (const chunk of tar.stream(name)) hash.update(chunk as Buffer);
  return parseDigest(`sha256:${hash.digest('hex')}`);
}

/** The digest a file name claims: `<hex>.tar.gz` (ggcr) or `blobs/sha256/<hex>` (docker ≥ 25). */
function claimedDigest(name: string): Digest | undefined {
  const m = /(?:^|\/)(?:sha256[:/])?([a-f0-9]{64})(?:\.tar(?:\.gz)?)?$/.exec(name);
  const claimed = `sha256:${m?.[1] ?? ''}`;
  return isDigest(claimed) ? claimed : undefined;
}

/** Picks the archive entry: by `ref` (a RepoTag, or `@N`), else the only one. */
function selectEntry(
  entries: ArchiveEntry[],
  ref: string | undefined,
  description: string,
): ArchiveEntry {
  const tagsOf = (e: ArchiveEntry) => (Array.isArray(e.RepoTags) ? e.RepoTags.map(String) : []);
  if (ref !== undefined) {
    const byIndex = /^@(\d+)$/.exec(ref);
    const found = byIndex
      ? entries[Number(byIndex[1])]
      : entries.find((e) => tagsOf(e).some((t) => t === ref || canonical(t) === canonical(ref)));
    if (!found) {
      const all = entries.flatMap(tagsOf);
      throw new UserError(
        `${description} has no image '${ref}'; it has: ${all.join(', ') || `${entries.length} untagged image(s) (use @0, @1…)`}`,
      );
    }
    return found;
  }
  if (entries.length !== 1) {
    const all = entries.map((e, i) => tagsOf(e)[0] ?? `@${i}`);
    throw new UserError(
      `${description} holds ${entries.length} images (${all.join(', ')}): name one, e.g. docker-archive:PATH:${all[0]}`,
    );
  }
  return entries[0] as ArchiveEntry;
}

/** A content store over an indexed docker archive; `close` releases the archive. */
export async function dockerArchiveStore(
  tar: TarIndex,
  description: string,
  ref: string | undefined,
  close: () => Promise<void>,
): Promise<ContentStore> {
  if (!tar.get('manifest.json')) {
    throw new UserError(
      `${description} has no manifest.json, so it is not a docker archive${tar.get('index.json') ? ' (it looks like an OCI archive: use the oci-archive: prefix)' : ''}`,
    );
  }
  let entries: ArchiveEntry[];
  try {
    entries = JSON.parse((await tar.readBytes('manifest.json')).toString('utf8')) as ArchiveEntry[];
  } catch {
    throw new UserError(`${description}: manifest.json is not JSON`);
  }
  if (!Array.isArray(entries) || entries.length === 0)
    throw new UserError(`${description}: manifest.json lists no images`);
  const entry = selectEntry(entries, ref, description);
  if (typeof entry.Config !== 'string' || !Array.isArray(entry.Layers)) {
    throw new UserError(`${description}: manifest.json entry has no Config or Layers`);
  }
  const layerNames = entry.Layers.map(String);
  const configBytes = await tar.readBytes(entry.Config);
  let config: unknown;
  try {
    config = JSON.parse(configBytes.toString('utf8'));
  } catch {
    throw new UserError(`${description}: the image config ${entry.Config} is not JSON`);
  }
  const diffIds = configDiffIds(config);
  if (diffIds.length !== layerNames.length) {
    throw new UserError(
      `${description}: the config lists ${diffIds.length} layers (rootfs.diff_ids) but manifest.json ${layerNames.length}; the archive is inconsistent`,
    );
  }
  const paths = new Map<string, string>();
  const configDescriptor: Descriptor = {
    mediaType: mediaTypes.dockerConfig,
    digest: sha256Digest(configBytes),
    size: configBytes.length,
  };
  const layers: Descriptor[] = [];
  for (const [i, name] of layerNames.entries()) {
    const member = tar.get(name);
    if (!member)
      throw new UserError(`${description} is missing layer ${name}: the archive is incomplete`);
    const compression = sniffCompression(await head(tar, name));
    let digest: Digest;
    let mediaType: string;
    if (compression === 'none') {
      const diffId = diffIds[i] ?? '';
      if (!isDigest(diffId)) {
        throw new UserError(
          `${description}: the config's rootfs.diff_ids has no valid digest for uncompressed layer ${i} (${name}): '${diffId}'; the archive is damaged, save it again`,
        );
      }
      digest = diffId;
      mediaType = mediaTypes.dockerLayer;
    } else {
      digest = claimedDigest(name) ?? (await hashMember(tar, name));
      mediaType = compression === 'gzip' ? mediaTypes.dockerLayerGzip : mediaTypes.ociLayerZstd;
    }
    paths.set(digest, name);
    layers.push({ mediaType, digest, size: member.header.size });
  }
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: mediaTypes.dockerManifest,
    config: configDescriptor,
    layers,
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const where = (d: Descriptor) =>
    `${d.digest === configDescriptor.digest ? 'config' : 'layer'} ${paths.get(d.digest) ?? d.digest} in ${description}`;
  const stream = (d: Descriptor) => {
    const name = paths.get(d.digest);
    if (!name) throw new UserError(`${description} has no blob ${d.digest}`);
    const raw = tar.stream(name);
    const out = raw.pipe(verifyingStream(d.digest, d.size, where(d)));
    raw.on('error', (e) => out.destroy(e));
    return out;
  };
  return {
    description,
    async root() {
      return {
        bytes: manifestBytes,
        mediaType: mediaTypes.dockerManifest,
        digest: sha256Digest(manifestBytes),
      };
    },
    async manifest(d) {
      if (d.digest !== sha256Digest(manifestBytes))
        throw new UserError(`${description} has no manifest ${d.digest}`);
      return manifestBytes;
    },
    async blobBytes(d) {
      if (d.digest === configDescriptor.digest) return configBytes;
      const chunks: Buffer[] = [];
      for await (const c of stream(d)) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    },
    async blob(d) {
      if (d.digest === configDescriptor.digest) return Readable.from([configBytes]);
      return stream(d);
    },
    blobFile(d) {
      const name = paths.get(d.digest);
      const member = name === undefined ? undefined : tar.get(name); // follows links
      if (!member || member.header.type !== 'file') return undefined;
      return { path: tar.path, offset: member.offset, size: member.header.size };
    },
    close,
  };
}
