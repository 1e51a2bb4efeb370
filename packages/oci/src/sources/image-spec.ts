/**
 * The one grammar for naming an image (or a tree of files) on every command and action input:
 * skopeo's transports (`docker://REF`, `docker-archive:PATH[:ref]`, `oci-archive:PATH[:ref]`,
 * `oci:DIR[:ref]`), `dir:PATH` for a plain directory walked as a file system (an unpacked extension
 * or rootfs), a file system path without a transport, or a registry reference. Parsed once, at the
 * edge; everything below takes the {@link ImageSpec}.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '@talos-kmod/common';
import { parseReference, type Reference } from '../reference/reference';

/** A transport that reads a file or directory on this machine. */
export type PathTransport = 'docker-archive' | 'oci-archive' | 'oci';

/** A parsed image spec. */
export type ImageSpec =
  /** An image in a registry. */
  | { readonly transport: 'registry'; readonly reference: Reference }
  /** An archive or OCI layout; `ref` picks one image of several (skopeo's `:ref` suffix). */
  | { readonly transport: PathTransport; readonly path: string; readonly ref?: string }
  /** A file given without a transport: a docker or OCI archive, told apart by its contents. */
  | { readonly transport: 'archive'; readonly path: string }
  /** A plain directory, walked as the file system of an image. */
  | { readonly transport: 'dir'; readonly path: string };

const pathTransports: readonly string[] = ['docker-archive', 'oci-archive', 'oci'];
const unsupportedTransports: readonly string[] = ['docker-daemon', 'containers-storage'];

/** What every "not an image spec" message offers. */
export const imageSpecHint =
  'give a registry reference (e.g. ghcr.io/acme/hailort:4.24.0), docker-archive:PATH, oci-archive:PATH, oci:DIR or dir:DIR';

const transportHint =
  "name it docker-archive:PATH (docker save, the imager's installer tar), oci-archive:PATH (a tar with index.json), oci:DIR (an OCI layout directory) or dir:DIR (a plain directory)";

/** Splits `PATH[:ref]`: the longest prefix that exists on disk is the path. */
function splitPathRef(rest: string): { path: string; ref?: string } {
  if (existsSync(rest)) return { path: rest };
  for (let i = rest.lastIndexOf(':'); i > 0; i = rest.lastIndexOf(':', i - 1)) {
    const path = rest.slice(0, i);
    if (existsSync(path)) return { path, ref: rest.slice(i + 1) };
  }
  return { path: rest };
}

/**
 * A spec without a transport that names a file system path rather than an image reference: it
 * starts with `/`, `./`, `../` or `~`, ends in `.tar`, `.tar.gz`, `.tgz` or `.tar.zst`, or names
 * an existing directory. (`ghcr.io/acme/x:v1` never starts with `/` or `.`.)
 */
function looksLikePath(spec: string): boolean {
  if (/^(?:\/|\.\.?\/|~)/.test(spec) || /\.(?:tar|tar\.gz|tgz|tar\.zst)$/.test(spec)) return true;
  return existsSync(spec) && statSync(spec).isDirectory();
}

/**
 * An existing path given without a transport: a directory with `index.json` is an OCI layout
 * (`oci:`), any other directory is `dir:`; a file is an archive, `oci-archive:` or
 * `docker-archive:` by its contents (decided when it is opened).
 */
function recognisePath(spec: string): ImageSpec {
  const path = resolve(spec);
  if (!existsSync(path)) {
    throw new InputError(
      `image '${spec}' looks like a path, but ${path} does not exist: check the path; for an image in a registry give its reference (e.g. ghcr.io/acme/hailort:4.24.0)`,
    );
  }
  if (statSync(path).isDirectory()) {
    return existsSync(join(path, 'index.json'))
      ? { transport: 'oci', path }
      : { transport: 'dir', path };
  }
  return { transport: 'archive', path };
}

/**
 * Parses what a user wrote for an image. Registry references are parsed and validated here;
 * paths are resolved to absolute ones (`oci:` and `dir:` paths need not exist yet: opening them
 * says so). Throws an {@link InputError} naming the value.
 */
export function parseImageSpec(input: string): ImageSpec {
  const spec = input.trim();
  if (spec === '') throw new InputError(`image is empty: ${imageSpecHint}`);
  if (spec.startsWith('docker://')) {
    return { transport: 'registry', reference: parseReference(spec.slice('docker://'.length)) };
  }
  const m = /^([a-z-]+):(?!\/\/)(.*)$/.exec(spec);
  const transport = m?.[1] ?? '';
  const rest = m?.[2] ?? '';
  if (m && pathTransports.includes(transport)) {
    if (!rest) throw new InputError(`image '${input}' has no path after '${transport}:'`);
    const { path, ref } = splitPathRef(rest);
    return {
      transport: transport as PathTransport,
      path: resolve(path),
      ...(ref !== undefined ? { ref } : {}),
    };
  }
  if (m && transport === 'dir') {
    if (!rest) throw new InputError(`image '${input}' has no directory after 'dir:'`);
    return { transport: 'dir', path: resolve(rest) };
  }
  if (m && unsupportedTransports.includes(transport)) {
    throw new InputError(
      `image '${input}': the '${transport}:' transport is not supported; ${transportHint}, or give a registry reference`,
    );
  }
  if (looksLikePath(spec)) return recognisePath(spec);
  return { transport: 'registry', reference: parseReference(spec) };
}

/** The spec as a user would write it: `docker-archive:/abs/x.tar`, `ghcr.io/a/b:v1`, `/abs/x.tar`. */
export function formatImageSpec(spec: ImageSpec): string {
  switch (spec.transport) {
    case 'registry':
      return spec.reference.toString();
    case 'archive':
      return spec.path;
    case 'dir':
      return `dir:${spec.path}`;
    default:
      return `${spec.transport}:${spec.path}${spec.ref !== undefined ? `:${spec.ref}` : ''}`;
  }
}

/** The registry a spec reads from, or undefined for archives, layouts and directories. */
export function registryOf(spec: ImageSpec): string | undefined {
  return spec.transport === 'registry' ? spec.reference.registry : undefined;
}

const anyTransport =
  /^(?:docker-archive|oci-archive|oci|dir|docker-daemon|containers-storage|docker):/;

/**
 * Refuses a bare name such as `vmlinuz` or `hailort:v1` (no `/`, no transport) that is no file or
 * directory in `cwd`. Docker reads such a name as the Docker Hub image `docker.io/library/<name>`;
 * given to a command or action that takes paths as well, it is almost always a mistyped path, and
 * asking Docker Hub about it would only end in an error about docker.io that does not name it (and
 * send a local file name over the network). The error names both readings; Docker Hub images stay
 * reachable by their full name.
 */
export function refuseBareImageName(spec: string, cwd = '.'): void {
  const s = spec.trim();
  if (s !== '' && !s.includes('/') && !anyTransport.test(s) && !existsSync(resolve(cwd, s))) {
    const name = s.replace(/[:@].*$/, '');
    throw new InputError(
      `'${s}' is no file or directory in ${resolve(cwd)}, and no full image reference: check the path, or name the image with its registry and repository (e.g. ghcr.io/acme/${name}:v1; docker.io/library/${s} for a Docker Hub image)`,
    );
  }
}
