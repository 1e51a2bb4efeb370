/**
 * What the build steps' options share and how it is validated, once: registry access, the push
 * target, platforms, tag and make-args. A bad value fails here with a {@link FieldError} naming
 * the input, before make runs or a registry is contacted; the make argv builders then take the
 * validated values.
 */
import { FieldError } from '@talos-kmod/common';
import {
  parseNamespace,
  parsePlatform,
  parseReference,
  withTag,
  type Namespace,
} from '@talos-kmod/oci';
import {
  isMakeValue,
  parseMakeArgs,
  unsafeMakeValueProblem,
  type MakeAssignment,
  type MakeValue,
} from '@talos-kmod/talos';
import type { Credentials } from '../contract/common-inputs';

/** Registry access shared by the build steps. */
export interface RegistryAccess {
  /** Hosts reached over plain HTTP (loopback is automatic). */
  readonly insecureRegistries: readonly string[];
  /** Explicit credentials for `registry` (otherwise the docker config). */
  readonly credentials?: Credentials;
}

/** The options every make-driven build step has. */
export interface BuildTargetOptions {
  readonly registry: string;
  /** Registry namespace (`USERNAME`), lower case. */
  readonly username: string;
  /** `linux/amd64` … */
  readonly platforms: readonly string[];
  /** Image tag; default: the checkout's own `git describe` rule. */
  readonly tag?: string;
  /** Extra `NAME=value` make variables. */
  readonly makeArgs: readonly string[];
}

/** The validated values, typed for the make argv builders (which do not check them again). */
export interface ValidatedCommon {
  readonly registry: MakeValue;
  readonly username: MakeValue;
  /** `registry/username`, parsed: the step names its images in it with `imageIn`. */
  readonly namespace: Namespace;
  /** The tag option, when given (otherwise the checkout's `git describe`). */
  readonly tag?: MakeValue;
  readonly makeArgs: readonly MakeAssignment[];
  readonly platforms: readonly MakeValue[];
}

/**
 * `value` of input `field` as a {@link MakeValue}; a {@link FieldError} naming the input when it
 * may not go onto a make command line.
 */
export function checkMakeValue(field: string, value: string): MakeValue {
  if (isMakeValue(value)) return value;
  const problem = unsafeMakeValueProblem(value) ?? '';
  throw new FieldError(field, (n) => `${n(field)} ${problem}`);
}

/** Input `field` as a tag; a {@link FieldError} when it is not one (the reference grammar's). */
export function checkTag(field: string, tag: string, example = 'v1.11.0'): MakeValue {
  const value = checkMakeValue(field, tag);
  try {
    withTag(parseReference('localhost/tag-check'), tag);
  } catch (e: unknown) {
    throw new FieldError(
      field,
      (n) =>
        `${n(field)} is '${tag}', which is not a valid image tag: up to 128 letters, digits, _ . - not starting with . or - (e.g. ${example})`,
      { cause: e },
    );
  }
  return value;
}

const namespacePattern =
  /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** Checks `registry` and `username` (the push target). */
export function checkPushTarget(o: { registry: string; username: string }): {
  registry: MakeValue;
  username: MakeValue;
  namespace: Namespace;
} {
  const registry = checkMakeValue('registry', o.registry);
  const username = checkMakeValue('username', o.username);
  if (o.registry === '') {
    throw new FieldError(
      'registry',
      (n) => `${n('registry')} is empty: set the registry to push to, e.g. ghcr.io`,
    );
  }
  if (o.username === '') {
    throw new FieldError(
      'username',
      (n) =>
        `${n('username')} is empty: set the registry namespace (e.g. your GitHub user or org, lower case)`,
    );
  }
  if (!namespacePattern.test(o.username)) {
    throw new FieldError(
      'username',
      (n) =>
        `${n('username')} is '${o.username}', which is not a valid repository namespace: use lower-case ` +
        `letters, digits and . _ - (e.g. '${o.username.toLowerCase()}')`,
    );
  }
  let namespace: Namespace;
  try {
    namespace = parseNamespace(`${o.registry}/${o.username}`);
  } catch (e: unknown) {
    throw new FieldError(
      'registry',
      (n) =>
        `${n('registry')} is '${o.registry}', which is not a registry host[:port] (e.g. ghcr.io or 127.0.0.1:5005)`,
      { cause: e },
    );
  }
  return { registry, username, namespace };
}

/** Checks registry, username, platforms, tag and make-args of a make-driven build step. */
export function validateBuildTarget(o: BuildTargetOptions): ValidatedCommon {
  const target = checkPushTarget(o);
  if (o.platforms.length === 0) {
    throw new FieldError(
      'platforms',
      (n) => `${n('platforms')} is empty: use e.g. linux/amd64 or linux/amd64,linux/arm64`,
    );
  }
  const platforms: MakeValue[] = [];
  for (const p of o.platforms) {
    const platform = checkMakeValue('platforms', p);
    try {
      parsePlatform(p);
    } catch (e: unknown) {
      throw new FieldError(
        'platforms',
        (n) => `${n('platforms')} has '${p}', which is not os/arch[/variant] (e.g. linux/amd64)`,
        { cause: e },
      );
    }
    if (!platforms.includes(platform)) platforms.push(platform);
  }
  return {
    ...target,
    ...(o.tag !== undefined ? { tag: checkTag('tag', o.tag) } : {}),
    makeArgs: parseMakeArgs(o.makeArgs),
    platforms,
  };
}
