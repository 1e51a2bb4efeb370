/**
 * `openImage(spec)`: image sources named as skopeo names them (`docker-archive:PATH[:ref]`,
 * `oci-archive:PATH[:ref]`, `oci:DIR[:ref]`, `docker://REF`, or a plain reference).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '@talos-kmod/common';
import { createRegistryClient, type RegistryClient, type RegistryOptions } from '../client';
import { parseReference } from '../reference/reference';
import { openArchive } from './archive-file';
import { dockerArchiveStore } from './docker-archive-store';
import { directoryFiles, isDirectory, layoutStore, tarFiles } from './layout-store';
import { registryStore } from './registry-store';
import { sourceFromStore } from './store-source';
import type { ImageSource } from './types';

/** A parsed source spec. */
export type SourceSpec =
  | { transport: 'docker-archive' | 'oci-archive' | 'oci'; path: string; ref?: string }
  | { transport: 'docker'; reference: string };

/** Splits `PATH[:ref]`: the longest prefix that exists on disk is the path. */
function splitPathRef(rest: string): { path: string; ref?: string } {
  if (existsSync(rest)) return { path: rest };
  for (let i = rest.lastIndexOf(':'); i > 0; i = rest.lastIndexOf(':', i - 1)) {
    const path = rest.slice(0, i);
    if (existsSync(path)) return { path, ref: rest.slice(i + 1) };
  }
  return { path: rest };
}

/** Parses a source spec; throws a UserError for an unknown transport prefix. */
export function parseSourceSpec(spec: string): SourceSpec {
  const m = /^([a-z-]+):(?!\/\/)(.*)$/.exec(spec);
  if (spec.startsWith('docker://'))
    return { transport: 'docker', reference: spec.slice('docker://'.length) };
  if (m && ['docker-archive', 'oci-archive', 'oci'].includes(m[1] as string)) {
    const transport = m[1] as 'docker-archive' | 'oci-archive' | 'oci';
    if (!m[2]) throw new UserError(`image source '${spec}' has no path after '${transport}:'`);
    const { path, ref } = splitPathRef(m[2]);
    return { transport, path: resolve(path), ...(ref !== undefined ? { ref } : {}) };
  }
  if (m && ['docker-daemon', 'dir', 'containers-storage'].includes(m[1] as string)) {
    throw new UserError(
      `image source '${spec}': the '${m[1]}:' transport is not supported; use docker-archive:, oci-archive:, oci: or a registry reference`,
    );
  }
  return { transport: 'docker', reference: spec };
}

/**
 * Opens an image source. Registry sources use a client made with `options` (closed by
 * `close()`); pass `client` to share one.
 */
export async function openImage(
  spec: string,
  options: RegistryOptions & { client?: RegistryClient } = {},
): Promise<ImageSource> {
  const parsed = parseSourceSpec(spec);
  if (parsed.transport === 'docker') {
    const ref = parseReference(parsed.reference);
    const client = options.client ?? createRegistryClient(options);
    return sourceFromStore(registryStore(client, ref, !options.client));
  }
  const description = `${parsed.transport}:${parsed.path}${parsed.ref !== undefined ? `:${parsed.ref}` : ''}`;
  if (parsed.transport === 'oci') {
    if (!(await isDirectory(parsed.path))) {
      throw new UserError(
        `${description}: ${parsed.path} is not a directory; an OCI layout is a directory with index.json (for a tar use oci-archive:)`,
      );
    }
    return sourceFromStore(await layoutStore(directoryFiles(parsed.path), description, parsed.ref));
  }
  const archive = await openArchive(parsed.path, parsed.transport);
  try {
    if (parsed.transport === 'oci-archive') {
      if (!archive.tar.get('index.json') && archive.tar.get('manifest.json')) {
        throw new UserError(
          `${description} has no index.json but a manifest.json: it is a docker archive; use docker-archive:${parsed.path}`,
        );
      }
      return sourceFromStore(
        await layoutStore(tarFiles(archive.tar, archive.close), description, parsed.ref),
      );
    }
    return sourceFromStore(
      await dockerArchiveStore(archive.tar, description, parsed.ref, archive.close),
    );
  } catch (e: unknown) {
    await archive.close();
    throw e;
  }
}
