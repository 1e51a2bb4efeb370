/**
 * make command lines for a siderolabs/talos checkout, as argv arrays (never through a shell).
 * Variables are the talos Makefile's own: `IMAGE_REGISTRY ?= $(REGISTRY)` (where images are pushed;
 * `REGISTRY` itself is baked into the binaries' defaults, so it is left alone), `USERNAME`, `TAG`,
 * `PUSH`, `PLATFORM`, `INSTALLER_ARCH`, `PKG_KERNEL`, `IMAGER_ARGS`.
 */
import { parseReference, type Reference } from '@talos-kmod/oci';
import { makeArgsVariables, type MakeAssignment } from '../make/pkgs-extensions-args';
import type { MakeValue } from '../make/values';

/**
 * What both talos make invocations share. The values are {@link MakeValue}s, checked where they
 * entered (the step's option validation names the input); they are not checked again.
 */
export interface TalosMakeTarget {
  /** Registry host the images go to (`IMAGE_REGISTRY`), e.g. `ghcr.io`, `127.0.0.1:5005`. */
  readonly imageRegistry: MakeValue;
  /** Registry namespace (`USERNAME`), lower case. */
  readonly username: MakeValue;
  /** `TAG`, passed explicitly so both invocations agree (the seed's pitfall). */
  readonly tag: MakeValue;
  /** `linux/<arch>` items, joined with commas into `PLATFORM`. */
  readonly platforms: readonly MakeValue[];
  /** Extra `NAME=value` variables (`make-args`, parsed with {@link talosReservedMakeVariables}). */
  readonly makeArgs?: readonly MakeAssignment[];
}

/** Variables the talos make invocations set themselves, and the input to use instead. */
export const talosReservedMakeVariables: Readonly<Record<string, string>> = {
  IMAGE_REGISTRY: 'registry',
  USERNAME: 'username',
  TAG: 'tag',
  PUSH: 'registry',
  PLATFORM: 'platforms',
  INSTALLER_ARCH: 'platforms',
  PKG_KERNEL: 'kernel-image',
  IMAGER_ARGS: 'extension-images',
};

/** Options for `make installer-base imager`. */
export interface InstallerBaseImagerMake extends TalosMakeTarget {
  /** `PKG_KERNEL`: the kernel image, digest-pinned. */
  readonly kernelImage: MakeValue;
}

/** Options for `make image-installer`. */
export interface ImageInstallerMake extends TalosMakeTarget {
  /** Imager flags, one argv item each ({@link buildImagerArgs}); joined with spaces into `IMAGER_ARGS`. */
  readonly imagerArgs: readonly MakeValue[];
}

/**
 * Empty values would fall back to the Makefile's defaults; the step's validation refuses them
 * first, so reaching this is a programming error.
 */
function validate(what: TalosMakeTarget): void {
  for (const [name, value] of [
    ['registry', what.imageRegistry],
    ['username', what.username],
    ['tag', what.tag],
  ] as const) {
    if (value === '') throw new Error(`talos make invocation: ${name} is empty`);
  }
  if (what.platforms.length === 0) throw new Error('talos make invocation: platforms is empty');
}

/**
 * `INSTALLER_ARCH` for the platforms: `targetarch` embeds only the kernel of the platform being
 * built; several platforms need `all` (the imager for one platform must carry every kernel, the
 * Makefile's default, which needs a kernel image with both amd64 and arm64).
 */
export function installerArchFor(platforms: readonly string[]): 'targetarch' | 'all' {
  return platforms.length > 1 ? 'all' : 'targetarch';
}

/**
 * `make` arguments that build and push installer-base and imager:
 * `installer-base imager IMAGE_REGISTRY=R USERNAME=U PUSH=true PLATFORM=… INSTALLER_ARCH=…
 * PKG_KERNEL=<pinned kernel> TAG=X`.
 */
export function installerBaseImagerMakeArgs(options: InstallerBaseImagerMake): string[] {
  validate(options);
  return [
    'installer-base',
    'imager',
    `IMAGE_REGISTRY=${options.imageRegistry}`,
    `USERNAME=${options.username}`,
    'PUSH=true',
    `PLATFORM=${options.platforms.join(',')}`,
    `INSTALLER_ARCH=${installerArchFor(options.platforms)}`,
    `PKG_KERNEL=${options.kernelImage}`,
    `TAG=${options.tag}`,
    ...makeArgsVariables(options.makeArgs),
  ];
}

/**
 * `make` arguments that run the imager once per platform into `_out/installer-<arch>.tar`:
 * `image-installer IMAGE_REGISTRY=R USERNAME=U TAG=X PLATFORM=… IMAGER_ARGS=<flags>`.
 */
export function imageInstallerMakeArgs(options: ImageInstallerMake): string[] {
  validate(options);
  return [
    'image-installer',
    `IMAGE_REGISTRY=${options.imageRegistry}`,
    `USERNAME=${options.username}`,
    `TAG=${options.tag}`,
    `PLATFORM=${options.platforms.join(',')}`,
    `IMAGER_ARGS=${options.imagerArgs.join(' ')}`,
    ...makeArgsVariables(options.makeArgs),
  ];
}

/** Where the talos Makefile pushes `<name>` (`$(IMAGE_REGISTRY)/$(USERNAME)/<name>:$(TAG)`). */
export function talosImageReference(
  target: TalosMakeTarget,
  name: 'installer-base' | 'imager',
): Reference {
  return parseReference(`${target.imageRegistry}/${target.username}/${name}:${target.tag}`);
}
