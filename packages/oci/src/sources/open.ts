/**
 * `openImage(spec)`: the image an {@link ImageSpec} names, from a registry, a docker or OCI
 * archive, or an OCI layout directory.
 */
import { InputError } from '@talos-kmod/common';
import { createRegistryClient, type RegistryClient, type RegistryOptions } from '../client';
import { formatImageSpec, type ImageSpec } from './image-spec';
import { openArchive } from './archive-file';
import { dockerArchiveStore } from './docker-archive-store';
import { directoryFiles, isDirectory, layoutStore, tarFiles } from './layout-store';
import { registryStore } from './registry-store';
import { sourceFromStore } from './store-source';
import type { ImageSource } from './types';

/**
 * Opens an image source. Registry sources use a client made with `options` (closed by
 * `close()`); pass `client` to share one.
 */
export async function openImage(
  parsed: ImageSpec,
  options: RegistryOptions & { client?: RegistryClient } = {},
): Promise<ImageSource> {
  if (parsed.transport === 'registry') {
    const client = options.client ?? createRegistryClient(options);
    return sourceFromStore(registryStore(client, parsed.reference, !options.client));
  }
  const description = formatImageSpec(parsed);
  if (parsed.transport === 'dir') {
    throw new InputError(
      `${description} is a plain directory, which has no manifest or layers: list its files with 'talos-kmod ls', or give an image (oci:DIR for an OCI layout)`,
    );
  }
  if (parsed.transport === 'oci') {
    if (!(await isDirectory(parsed.path))) {
      throw new InputError(
        `${description}: ${parsed.path} is not a directory; an OCI layout is a directory with index.json (for a tar use oci-archive:)`,
      );
    }
    return sourceFromStore(await layoutStore(directoryFiles(parsed.path), description, parsed.ref));
  }
  const archive = await openArchive(
    parsed.path,
    parsed.transport === 'archive' ? 'archive' : parsed.transport,
  );
  try {
    const hasIndex = Boolean(archive.tar.get('index.json'));
    const hasManifest = Boolean(archive.tar.get('manifest.json'));
    if (parsed.transport === 'archive' && !hasIndex && !hasManifest) {
      throw new InputError(
        `image '${description}' is a file but neither a docker archive (manifest.json) nor an OCI archive (index.json): name it docker-archive:PATH (docker save, the imager's installer tar) or oci-archive:PATH (a tar with index.json)`,
      );
    }
    const ref = parsed.transport === 'archive' ? undefined : parsed.ref;
    if (parsed.transport === 'oci-archive' || (parsed.transport === 'archive' && hasIndex)) {
      if (!hasIndex && hasManifest) {
        throw new InputError(
          `${description} has no index.json but a manifest.json: it is a docker archive; use docker-archive:${parsed.path}`,
        );
      }
      return sourceFromStore(
        await layoutStore(tarFiles(archive.tar, archive.close), description, ref),
      );
    }
    return sourceFromStore(await dockerArchiveStore(archive.tar, description, ref, archive.close));
  } catch (e: unknown) {
    await archive.close();
    throw e;
  }
}
