/**
 * An image argument as the CLI reads it: {@link parseImageSpec}, except for a bare name such as
 * `vmlinuz` or `hailort:v1` (no `/`, no transport) that is no file or directory here. Docker reads
 * such a name as the Docker Hub image `docker.io/library/<name>`; here it is almost always a
 * mistyped path, and asking Docker Hub about it would only end in an error about docker.io that
 * does not name it (and send a local file name over the network). It fails at once, exit 2,
 * naming both readings; Docker Hub images stay reachable by their full name.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '@talos-kmod/common';
import { parseImageSpec, type ImageSpec } from '@talos-kmod/oci';

const transport = /^(?:docker-archive|oci-archive|oci|dir|docker-daemon|containers-storage):/;

/** Refuses a bare name that is no path here; any other `spec` is left to the image grammar. */
export function refuseBareName(spec: string): void {
  const s = spec.trim();
  if (s !== '' && !s.includes('/') && !transport.test(s) && !existsSync(s)) {
    const name = s.replace(/[:@].*$/, '');
    throw new InputError(
      `'${s}' is no file or directory in ${resolve('.')}, and no full image reference: check the path, or name the image with its registry and repository (e.g. ghcr.io/acme/${name}:v1; docker.io/library/${s} for a Docker Hub image)`,
    );
  }
}

/** Parses `spec` like {@link parseImageSpec}; refuses a bare name that is no path here. */
export function parseImageArg(spec: string): ImageSpec {
  refuseBareName(spec);
  return parseImageSpec(spec.trim());
}
