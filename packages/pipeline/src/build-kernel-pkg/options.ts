/**
 * Options of the build-kernel-pkg step and their up-front validation: a bad value fails here,
 * naming the input, before make runs or a registry is contacted.
 */
import { UserError } from '@talos-kmod/common';
import { parsePlatform, parseReference } from '@talos-kmod/oci';
import { assertMakeValue, parseMakeArgs, type MakeAssignment } from '@talos-kmod/talos';

/** Registry access shared by the build steps. */
export interface RegistryAccess {
  /** Hosts reached over plain HTTP (loopback is automatic). */
  readonly insecureRegistries: readonly string[];
  /** Explicit credentials for `registry` (otherwise the docker config). */
  readonly credentials?: { readonly username: string; readonly password: string };
}

/** The release-pairing inputs shared by the build steps. */
export interface ReleasePairing {
  /** The Talos release the build is for (`v1.11.5`): the checkout is checked against it. */
  readonly talosVersion?: string;
  /** What a checkout from another release does: `warn` (default) or `error`. */
  readonly releaseMismatch?: 'warn' | 'error';
}

/** What build-kernel-pkg builds and where it pushes. */
export interface BuildKernelPkgOptions extends RegistryAccess, ReleasePairing {
  /** A siderolabs/pkgs checkout (fork). */
  readonly pkgsDir: string;
  /** Module packages by their pkg.yaml name (`hailort-pkg`); `kernel` is always built first. */
  readonly packages: readonly string[];
  readonly registry: string;
  /** Registry namespace (`USERNAME`), lower case. */
  readonly username: string;
  /** `linux/amd64` … */
  readonly platforms: readonly string[];
  readonly push: boolean;
  /** Image tag; default: the checkout's own `git describe` rule. */
  readonly tag?: string;
  /** Extra `NAME=value` make variables. */
  readonly makeArgs: readonly string[];
  /** Check every package's modules against the kernel image's key after the push. */
  readonly verifySignatures: boolean;
  /** Reuse a recorded result when its inputs are unchanged and its images still exist. */
  readonly cache: boolean;
}

/** Values derived during validation. */
export interface ValidatedCommon {
  readonly makeArgs: readonly MakeAssignment[];
  readonly platforms: readonly string[];
}

const namespacePattern =
  /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** Checks registry, username, platforms, tag and make-args; shared with build-extension. */
export function validateCommon(o: {
  registry: string;
  username: string;
  platforms: readonly string[];
  tag?: string;
  makeArgs: readonly string[];
}): ValidatedCommon {
  assertMakeValue("input 'registry'", o.registry);
  assertMakeValue("input 'username'", o.username);
  if (o.registry === '') {
    throw new UserError("input 'registry' is empty: set the registry to push to, e.g. ghcr.io");
  }
  if (o.username === '') {
    throw new UserError(
      "input 'username' is empty: set the registry namespace (e.g. your GitHub user or org, lower case)",
    );
  }
  if (!namespacePattern.test(o.username)) {
    throw new UserError(
      `input 'username' is '${o.username}', which is not a valid repository namespace: use lower-case ` +
        `letters, digits and . _ - (e.g. '${o.username.toLowerCase()}')`,
    );
  }
  try {
    parseReference(`${o.registry}/${o.username}/kernel:latest`);
  } catch (e: unknown) {
    throw new UserError(
      `input 'registry' is '${o.registry}', which is not a registry host[:port] (e.g. ghcr.io or 127.0.0.1:5005)`,
      { cause: e },
    );
  }
  if (o.platforms.length === 0) {
    throw new UserError(
      "input 'platforms' is empty: use e.g. linux/amd64 or linux/amd64,linux/arm64",
    );
  }
  const platforms: string[] = [];
  for (const p of o.platforms) {
    assertMakeValue("input 'platforms'", p);
    try {
      parsePlatform(p);
    } catch (e: unknown) {
      throw new UserError(
        `input 'platforms' has '${p}', which is not os/arch[/variant] (e.g. linux/amd64)`,
        {
          cause: e,
        },
      );
    }
    if (!platforms.includes(p)) platforms.push(p);
  }
  if (o.tag !== undefined) {
    assertMakeValue("input 'tag'", o.tag);
    if (!/^[\w][\w.-]{0,127}$/.test(o.tag)) {
      throw new UserError(
        `input 'tag' is '${o.tag}', which is not a valid image tag: up to 128 letters, digits, _ . - not starting with . or -`,
      );
    }
  }
  return { makeArgs: parseMakeArgs(o.makeArgs), platforms };
}

/** Validates the build-kernel-pkg options. */
export function validateKernelPkgOptions(o: BuildKernelPkgOptions): ValidatedCommon {
  if (o.pkgsDir.trim() === '')
    throw new UserError("input 'pkgs-dir' is empty: give the pkgs checkout path");
  for (const p of o.packages) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(p)) {
      throw new UserError(
        `input 'packages' has '${p}', which is not a package name: give pkg.yaml names like hailort-pkg, one per line or comma-separated`,
      );
    }
  }
  return validateCommon(o);
}
