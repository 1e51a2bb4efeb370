/**
 * What the build steps' options share: registry access and the build target (push namespace,
 * platforms, tag, make-args), parsed by the step's contract. Here they only become the make
 * values the argv builders take; make-args are parsed here, against the variables the step sets.
 */
import { formatPlatform, type Namespace } from '@talos-kmod/oci';
import { makeValue, parseMakeArgs, type MakeAssignment, type MakeValue } from '@talos-kmod/talos';
import type { BuildTarget, Credentials } from '../contract/common-inputs';

/** Registry access shared by the build steps. */
export interface RegistryAccess {
  /** Hosts reached over plain HTTP (loopback is automatic). */
  readonly insecureRegistries: readonly string[];
  /** Explicit credentials for the push namespace's registry (otherwise the docker config). */
  readonly credentials?: Credentials;
}

/** The options every make-driven build step has (see {@link BuildTarget}). */
export type BuildTargetOptions = BuildTarget;

/** The build target as make values, for the make argv builders. */
export interface ValidatedCommon {
  readonly registry: MakeValue;
  readonly username: MakeValue;
  /** `registry/username`, parsed: the step names its images in it with `imageIn`. */
  readonly namespace: Namespace;
  readonly makeArgs: readonly MakeAssignment[];
  readonly platforms: readonly MakeValue[];
}

/**
 * The push namespace as `REGISTRY` and `USERNAME` make values. The contract checked both texts;
 * a namespace parsed elsewhere (an IPv6 registry host) is refused here, naming it.
 */
export function namespaceMakeValues(ns: Namespace): { registry: MakeValue; username: MakeValue } {
  return {
    registry: makeValue(`registry '${ns.registry}'`, ns.registry),
    username: makeValue(`namespace '${ns.path}'`, ns.path),
  };
}

/** The build target as make values (the tag comes from the build step's kit); make-args parsed. */
export function validateBuildTarget(o: BuildTargetOptions): ValidatedCommon {
  return {
    ...namespaceMakeValues(o.namespace),
    namespace: o.namespace,
    makeArgs: parseMakeArgs(o.makeArgs),
    // The platform grammar admits only make-safe characters.
    platforms: o.platforms.map((p) => formatPlatform(p) as MakeValue),
  };
}
