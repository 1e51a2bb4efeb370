/**
 * An image argument as the CLI reads it: {@link parseImageSpec}, except for a bare name such as
 * `vmlinuz` or `hailort:v1` (no `/`, no transport) that is no file or directory here, which fails
 * at once, exit 2, naming both readings ({@link refuseBareImageName}).
 */
import { parseImageSpec, refuseBareImageName, type ImageSpec } from '@talos-kmod/oci';

/** Refuses a bare name that is no path here; any other `spec` is left to the image grammar. */
export function refuseBareName(spec: string): void {
  refuseBareImageName(spec);
}

/** Parses `spec` like {@link parseImageSpec}; refuses a bare name that is no path here. */
export function parseImageArg(spec: string): ImageSpec {
  refuseBareName(spec);
  return parseImageSpec(spec.trim());
}
