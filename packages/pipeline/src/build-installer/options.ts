/**
 * Options of the build-installer step and their up-front validation: every bad value fails here,
 * naming the input, before any command runs or any registry is contacted.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FieldError } from '@talos-kmod/common';
import {
  formatPlatform,
  parseReference,
  type PinnedReference,
  type Platform,
  type Reference,
} from '@talos-kmod/oci';
import {
  checkTtlShTag,
  defaultTtlShReference,
  isTtlSh,
  parseMakeArgs,
  makeValue,
  parseTalosRelease,
  referenceMakeValue,
  talosReservedMakeVariables,
  type MakeAssignment,
  type MakeValue,
} from '@talos-kmod/talos';
import type { BuildTarget } from '../contract/common-inputs';
import { checkMakeValue } from '../contract/parse-inputs';
import { namespaceMakeValues, type RegistryAccess } from '../step-kit/build-options';

/**
 * What the step builds from and where it publishes. `namespace` (`IMAGE_REGISTRY/USERNAME`),
 * `platforms`, `tag` and `makeArgs` are for the talos checkout's make (talos-dir mode).
 */
export interface BuildInstallerOptions extends BuildTarget, RegistryAccess {
  /** A talos checkout: build installer-base and imager with make (mode `talos-dir`). */
  readonly talosDir?: string;
  /** A ready imager image (mode `imager-image`): run it with docker, no checkout. */
  readonly imagerImage?: Reference;
  /** installer-base for the imager-image mode (pinned or resolved to pinned). */
  readonly baseInstallerImage?: Reference;
  /** The kernel image (`PKG_KERNEL`), needed in talos-dir mode. */
  readonly kernelImage?: Reference;
  readonly extensionImages: readonly Reference[];
  /**
   * The node's other extensions, kept in the installer: pinned images (`name:tag@sha256:…`),
   * verified against the kernel's certificate like the module's own extension.
   */
  readonly extraExtensionImages?: readonly PinnedReference[];
  /** An Image Factory schematic YAML whose `officialExtensions` go into the installer too. */
  readonly schematic?: string;
  /** A file holding `talosctl get extensions -o yaml` output: the node's extensions go in too. */
  readonly nodeExtensions?: string;
  /** The Talos release (`v1.11.5`) official extension names resolve for. */
  readonly talosVersion?: string;
  /** Where official names resolve: a repository tagged per release, or an image-digests file. */
  readonly extensionsCatalog?: string;
  /** What a talos checkout on another release does: `warn` (default) or `error`. */
  readonly releaseMismatch?: 'warn' | 'error';
  readonly extraKernelArgs: readonly string[];
  /**
   * An overlay for single-board computers (the imager's `--overlay-image`), e.g.
   * `ghcr.io/siderolabs/sbc-raspberrypi:v0.1.0`; with `overlayName`.
   */
  readonly overlayImage?: Reference;
  /** The overlay's installer (`--overlay-name`, e.g. `rpi_generic`); with `overlayImage`. */
  readonly overlayName?: string;
  /** Extra overlay options, `key=value` (`--overlay-option`). */
  readonly overlayOptions?: readonly string[];
  /** Where the installer goes (a tag, no digest); default `ttl.sh/<uuid>:1h`. */
  readonly installerRef?: Reference;
  /** Output directory for the imager-image mode (default: a new temporary directory). */
  readonly outDir?: string;
  /**
   * What a failing verification of the built installer does: `error` (default) fails the step
   * before anything is pushed; `warning` pushes it with warnings.
   */
  readonly verifyInstaller?: 'error' | 'warning';
}

/** The imager inputs as make values, for the argv builders. */
export interface ValidatedImagerValues {
  readonly extraKernelArgs: readonly MakeValue[];
  readonly overlayImage?: MakeValue;
  readonly overlayName?: MakeValue;
  readonly overlayOptions?: readonly MakeValue[];
}

/** The overlay inputs go together: an overlay image and the name of its installer. */
function checkOverlay(
  options: BuildInstallerOptions,
): Omit<ValidatedImagerValues, 'extraKernelArgs'> & { ref?: Reference } {
  const { overlayImage, overlayName, overlayOptions = [] } = options;
  const image = overlayImage ? referenceMakeValue(overlayImage) : undefined;
  const ref = overlayImage;
  if (Boolean(overlayImage) !== Boolean(overlayName)) {
    throw new FieldError(
      ['overlay-image', 'overlay-name'],
      (n) =>
        `${n('overlay-image')} and ${n('overlay-name')} go together: give the overlay image (e.g. ghcr.io/siderolabs/sbc-raspberrypi:v0.1.0) and the name of its installer (e.g. rpi_generic)`,
    );
  }
  if (overlayName !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(overlayName)) {
    throw new FieldError(
      'overlay-name',
      (n) =>
        `${n('overlay-name')} is '${overlayName}': give the overlay installer's name, e.g. rpi_generic`,
    );
  }
  const options_: MakeValue[] = [];
  for (const o of overlayOptions) {
    const value = checkMakeValue('overlay-options', o);
    if (!overlayImage || !/^[A-Za-z0-9_.-]+=/.test(o)) {
      throw new FieldError(
        'overlay-options',
        (n) =>
          `${n('overlay-options')} has '${o}': give key=value options, one per line, together with ${n('overlay-image')}`,
      );
    }
    options_.push(value);
  }
  return {
    ...(ref ? { ref } : {}),
    ...(image ? { overlayImage: image } : {}),
    // The pattern above admits only make-safe characters.
    ...(overlayName ? { overlayName: overlayName as MakeValue } : {}),
    ...(options_.length > 0 ? { overlayOptions: options_ } : {}),
  };
}

/** The input images, parsed. */
export interface InputImages {
  readonly kernel?: Reference;
  readonly imager?: Reference;
  readonly baseInstaller?: Reference;
  readonly extensions: readonly Reference[];
  /** `extra-extension-images`, each pinned. */
  readonly extraExtensions: readonly PinnedReference[];
  readonly overlay?: Reference;
}

/** The options after validation: platforms parsed, destination decided. */
export interface ValidatedBuildInstaller {
  readonly mode: 'talos-dir' | 'imager-image';
  readonly options: BuildInstallerOptions;
  /** The talos checkout as an absolute path (make's `$(PWD)` becomes a docker volume path). */
  readonly talosDir?: string;
  /** The imager-image output directory as an absolute path, when given. */
  readonly outDir?: string;
  readonly registry: MakeValue;
  /** Lower-cased. */
  readonly username: MakeValue;
  /** The tag option, when given (talos-dir mode; otherwise the checkout's `git describe`). */
  readonly tag?: MakeValue;
  /** `[{platform: 'linux/amd64', arch: 'amd64'}]`, in input order, no duplicates. */
  readonly platforms: readonly { platform: MakeValue; arch: MakeValue }[];
  /** Kernel arguments and overlay, as the imager argv builder takes them. */
  readonly imager: ValidatedImagerValues;
  /** The input images as parsed here, so later hops do not parse the strings again. */
  readonly images: InputImages;
  readonly destination: Reference;
  /** `make-args`, parsed. */
  readonly makeArgs: readonly MakeAssignment[];
  /** True when the destination was the ttl.sh default. */
  readonly defaultDestination: boolean;
}

const supportedArches = ['amd64', 'arm64'];

/** `talos-version` must name a release (`v1.11.5`) or a release line. */
export function checkTalosVersion(value: string): void {
  try {
    parseTalosRelease(value);
  } catch (e: unknown) {
    throw new FieldError(
      'talos-version',
      (n) => `${n('talos-version')} is '${value}', not a Talos release: give a tag such as v1.11.5`,
      { cause: e },
    );
  }
}

/** Validates `options`; throws a {@link FieldError} naming the first bad input. */
export function validateBuildInstallerOptions(
  options: BuildInstallerOptions,
  newUuid?: () => string,
): ValidatedBuildInstaller {
  const talosDir = options.talosDir?.trim() || undefined;
  const imager = options.imagerImage;
  if (talosDir && imager) {
    throw new FieldError(
      ['talos-dir', 'imager-image'],
      (n) =>
        `${n('talos-dir')} and ${n('imager-image')} are both set: give ${n('talos-dir')} to build the imager from a talos checkout, or ${n('imager-image')} to run a ready one, not both`,
    );
  }
  if (!talosDir && !imager) {
    throw new FieldError(
      ['talos-dir', 'imager-image'],
      (n) =>
        `neither ${n('talos-dir')} nor ${n('imager-image')} is set: check out siderolabs/talos and pass its path as ${n('talos-dir')}, or pass a pinned ${n('imager-image')} from an earlier run`,
    );
  }
  const mode = talosDir ? 'talos-dir' : 'imager-image';
  const absoluteTalosDir = talosDir ? resolve(talosDir) : undefined;
  if (absoluteTalosDir) {
    checkMakeValue('talos-dir', absoluteTalosDir);
    if (!existsSync(join(absoluteTalosDir, 'Makefile'))) {
      throw new FieldError(
        ['talos-dir', 'imager-image'],
        (n) =>
          `${n('talos-dir')} is '${talosDir}', which has no Makefile (${absoluteTalosDir}): check out siderolabs/talos there (actions/checkout with path: ${talosDir}), or give a ready imager with ${n('imager-image')}`,
      );
    }
  }
  let imagerRef: Reference | undefined;
  const outDir = options.outDir
    ? makeValue('the output directory', resolve(options.outDir))
    : undefined;
  if (mode === 'talos-dir') {
    if (!options.kernelImage) {
      throw new FieldError(
        ['kernel-image', 'talos-dir'],
        (n) =>
          `${n('kernel-image')} is required with ${n('talos-dir')}: the imager embeds that kernel (PKG_KERNEL); pass the build-kernel-pkg step's kernel-image output`,
      );
    }
  } else {
    imagerRef = imager;
    if (!options.baseInstallerImage) {
      throw new FieldError(
        ['base-installer-image', 'imager-image'],
        (n) =>
          `${n('base-installer-image')} is required with ${n('imager-image')}: pass the installer-base image built with that imager (the installer-base-image output of the run that built it)`,
      );
    }
  }
  const kernelRef = options.kernelImage;
  const baseRef = options.baseInstallerImage;
  for (const [field, path] of [
    ['schematic', options.schematic],
    ['node-extensions', options.nodeExtensions],
  ] as const) {
    if (path !== undefined && !existsSync(path)) {
      throw new FieldError(
        field,
        (n) =>
          `${n(field)} is '${path}', which does not exist: ${field === 'schematic' ? 'give the schematic.yaml you upload to Image Factory' : "save 'talosctl -n <node> get extensions -o yaml' to that file"}`,
      );
    }
  }
  if ((options.schematic || options.nodeExtensions) && !options.talosVersion) {
    throw new FieldError(
      ['talos-version', 'schematic', 'node-extensions'],
      (n) =>
        `${n('talos-version')} is required with ${n('schematic')} or ${n('node-extensions')}: official extensions are resolved to the images of that Talos release (e.g. v1.11.5)`,
    );
  }
  if (options.talosVersion !== undefined) checkTalosVersion(options.talosVersion);
  const extraKernelArgs: MakeValue[] = [];
  for (const a of options.extraKernelArgs) {
    extraKernelArgs.push(checkMakeValue('extra-kernel-args', a));
    // `-name` (or `-name=value`) removes a default argument, as the imager does; `--x` would be
    // read as an imager flag, and a lone `-` names nothing.
    if (a.startsWith('-') && !/^-[A-Za-z0-9_][A-Za-z0-9_.-]*(=.*)?$/.test(a)) {
      throw new FieldError(
        'extra-kernel-args',
        (n) =>
          `${n('extra-kernel-args')} has '${a}': give kernel arguments such as console=ttyS0,115200n8 one per line, or -name to remove a default argument (e.g. -console)`,
      );
    }
  }
  const { ref: overlayRef, ...overlay } = checkOverlay(options);
  for (const r of options.insecureRegistries) checkMakeValue('insecure-registries', r);
  const platforms = installerPlatforms(options.platforms);
  const defaultDestination = !options.installerRef;
  const destination = options.installerRef ?? parseReference(defaultTtlShReference(newUuid?.()));
  const refText = destination.toString();
  if (destination.digest) {
    throw new FieldError(
      'installer-ref',
      (n) =>
        `${n('installer-ref')} is '${refText}': give a tag to push to (repository:tag), not a digest`,
    );
  }
  if (isTtlSh(destination.registry)) {
    checkTtlShTag('installer-ref', refText, destination.tag);
  }
  return {
    mode,
    options,
    ...(absoluteTalosDir ? { talosDir: absoluteTalosDir } : {}),
    ...(outDir ? { outDir } : {}),
    ...namespaceMakeValues(options.namespace),
    // The tag grammar admits only make-safe characters.
    ...(options.tag !== undefined ? { tag: options.tag as string as MakeValue } : {}),
    platforms,
    imager: { extraKernelArgs, ...overlay },
    images: {
      ...(kernelRef ? { kernel: kernelRef } : {}),
      ...(imagerRef ? { imager: imagerRef } : {}),
      ...(baseRef ? { baseInstaller: baseRef } : {}),
      extensions: options.extensionImages,
      extraExtensions: options.extraExtensionImages ?? [],
      ...(overlayRef ? { overlay: overlayRef } : {}),
    },
    destination,
    makeArgs: parseMakeArgs(options.makeArgs, talosReservedMakeVariables),
    defaultDestination,
  };
}

/** Talos installers exist for linux/amd64 and linux/arm64: one per architecture. */
function installerPlatforms(
  items: readonly Platform[],
): { platform: MakeValue; arch: MakeValue }[] {
  if (items.length === 0) {
    throw new FieldError(
      'platforms',
      (n) => `${n('platforms')} is empty: use linux/amd64, linux/arm64 or both`,
    );
  }
  const out: { platform: MakeValue; arch: MakeValue }[] = [];
  for (const p of items) {
    if (p.os !== 'linux' || !supportedArches.includes(p.architecture)) {
      throw new FieldError(
        'platforms',
        (n) =>
          `${n('platforms')} has '${formatPlatform(p)}': Talos installers exist for linux/amd64 and linux/arm64 only`,
      );
    }
    // One of supportedArches: make-safe.
    const arch = p.architecture as MakeValue;
    const platform = `linux/${arch}` as MakeValue;
    if (!out.some((o) => o.arch === arch)) out.push({ platform, arch });
  }
  return out;
}
