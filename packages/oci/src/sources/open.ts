/**
 * `openImage(spec)`: image sources named as skopeo names them (`docker-archive:PATH[:ref]`,
 * `oci-archive:PATH[:ref]`, `oci:DIR[:ref]`, `docker://REF`, or a plain reference).
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '@talos-kmod/common';
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
  /** A file given without a transport: a docker or OCI archive, told apart by its contents. */
  | { transport: 'archive'; path: string }
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

const transportHint =
  "name it docker-archive:PATH (docker save, the imager's installer tar), oci-archive:PATH (a tar with index.json) or oci:DIR (an OCI layout directory)";

/**
 * A spec without a transport that names a file system path rather than an image reference: it
 * starts with `/`, `./`, `../` or `~`, or ends in `.tar`, `.tar.gz`, `.tgz` or `.tar.zst`.
 * (`ghcr.io/acme/x:v1` never does; an image reference cannot start with `/` or `.`.)
 */
function looksLikePath(spec: string): boolean {
  return /^(?:\/|\.\.?\/|~)/.test(spec) || /\.(?:tar|tar\.gz|tgz|tar\.zst)$/.test(spec);
}

/**
 * The transport of an existing path given without one: an OCI layout directory (`index.json`
 * inside) is `oci:`; a file is an archive, `oci-archive:` or `docker-archive:` by its contents
 * (decided when it is opened). Throws an {@link InputError} with the hint otherwise.
 */
function recognisePath(spec: string): SourceSpec {
  const path = resolve(spec);
  if (!existsSync(path)) {
    throw new InputError(
      `image source '${spec}' looks like a path, but ${path} does not exist: check the path; for an image in a registry give its reference (e.g. ghcr.io/acme/hailort:4.24.0)`,
    );
  }
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, 'index.json'))) return { transport: 'oci', path };
    throw new InputError(
      `image source '${spec}' is a directory without index.json, so not an OCI layout: ${transportHint}`,
    );
  }
  return { transport: 'archive', path };
}

/** Parses a source spec; throws an InputError for an unknown transport prefix. */
export function parseSourceSpec(spec: string): SourceSpec {
  const m = /^([a-z-]+):(?!\/\/)(.*)$/.exec(spec);
  if (spec.startsWith('docker://'))
    return { transport: 'docker', reference: spec.slice('docker://'.length) };
  if (m && ['docker-archive', 'oci-archive', 'oci'].includes(m[1] as string)) {
    const transport = m[1] as 'docker-archive' | 'oci-archive' | 'oci';
    if (!m[2]) throw new InputError(`image source '${spec}' has no path after '${transport}:'`);
    const { path, ref } = splitPathRef(m[2]);
    return { transport, path: resolve(path), ...(ref !== undefined ? { ref } : {}) };
  }
  if (m && ['docker-daemon', 'dir', 'containers-storage'].includes(m[1] as string)) {
    throw new InputError(
      `image source '${spec}': the '${m[1]}:' transport is not supported; use docker-archive:, oci-archive:, oci: or a registry reference`,
    );
  }
  if (looksLikePath(spec)) return recognisePath(spec);
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
  const description =
    parsed.transport === 'archive'
      ? parsed.path
      : `${parsed.transport}:${parsed.path}${parsed.ref !== undefined ? `:${parsed.ref}` : ''}`;
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
        `image source '${spec}' is a file but neither a docker archive (manifest.json) nor an OCI archive (index.json): ${transportHint}`,
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
