/** A registry repository as a content store. */
import type { Readable } from 'node:stream';
import type { RegistryClient } from '../client';
import type { Descriptor } from '../manifest/types';
import { withDigest, type Reference } from '../reference/reference';
import type { ContentStore } from './types';

/** Reads manifests and blobs of `ref`'s repository through `client` (closed with the store when `owned`). */
export function registryStore(
  client: RegistryClient,
  ref: Reference,
  owned: boolean,
): ContentStore {
  return {
    description: ref.toString(),
    origin: { registry: ref.registry, repository: ref.repository },
    async root() {
      const m = await client.getManifest(ref);
      return { bytes: m.bytes, mediaType: m.descriptor.mediaType, digest: m.descriptor.digest };
    },
    async manifest(d: Descriptor) {
      return (await client.getManifest(withDigest(ref, d.digest))).bytes;
    },
    blob(d: Descriptor): Promise<Readable> {
      return client.getBlob(ref, d);
    },
    blobBytes(d: Descriptor) {
      return client.getBlobBytes(ref, d);
    },
    close: () => (owned ? client.close() : Promise.resolve()),
  };
}
