/**
 * Options of the build-installer step and their up-front validation: every bad value fails here,
 * naming the input, before any command runs or any registry is contacted.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '@talos-kmod/common';
import { parsePlatform, parseReference, type Reference } from '@talos-kmod/oci';
import {
  assertMakeValue,
  checkTtlShTag,
  defaultTtlShReference,
  isTtlSh,
  parseTalosRelease,
} from '@talos-kmod/talos';

/** What the step builds from and where it publishes. */
export interface BuildInstallerOptions {
  /** A talos checkout: build installer-base and imager with make (mode `talos-dir`). */
  readonly talosDir?: string;
  /** A ready imager image (mode `imager-image`): run it with docker, no checkout. */
  readonly imagerImage?: string;
  /** installer-base for the imager-image mode (pinned or resolved to pinned). */
  readonly baseInstallerImage?: string;
  /** The kernel image (`PKG_KERNEL`), needed in talos-dir mode. */
  readonly kernelImage?: string;
  readonly extensionImages: readonly string[];
  /**
   * The node's other extensions, kept in the installer: pinned images (`name:tag@sha256:…`),
   * verified against the kernel's certificate like the module's own extension.
   */
  readonly extraExtensionImages?: readonly string[];
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
  /** Registry installer-base and imager are pushed to (`IMAGE_REGISTRY`). */
  readonly registry: string;
  /** Namespace (`USERNAME`); lower-cased. */
  readonly username: string;
  /** `linux/amd64`, `linux/arm64`. */
  readonly platforms: readonly string[];
  /** `TAG` for installer-base and imager; default: the checkout's `git describe`. */
  readonly tag?: string;
  /** Where the installer goes; default `ttl.sh/<uuid>:1h`. */
  readonly installerRef?: string;
  readonly insecureRegistries: readonly string[];
  readonly credentials?: { readonly username: string; readonly password: string };
  /** Output directory for the imager-image mode (default: a new temporary directory). */
  readonly outDir?: string;
  /**
   * What a failing verification of the built installer does: `error` (default) fails the step
   * before anything is pushed; `warning` pushes it with warnings.
   */
  readonly verifyInstaller?: 'error' | 'warning';
}

/** The options after validation: platforms parsed, destination decided. */
export interface ValidatedBuildInstaller {
  readonly mode: 'talos-dir' | 'imager-image';
  readonly options: BuildInstallerOptions;
  /** The talos checkout as an absolute path (make's `$(PWD)` becomes a docker volume path). */
  readonly talosDir?: string;
  /** The imager-image output directory as an absolute path, when given. */
  readonly outDir?: string;
  readonly username: string;
  /** `[{platform: 'linux/amd64', arch: 'amd64'}]`, in input order, no duplicates. */
  readonly platforms: readonly { platform: string; arch: string }[];
  readonly destination: Reference;
  /** True when the destination was the ttl.sh default. */
  readonly defaultDestination: boolean;
}

const supportedArches = ['amd64', 'arm64'];

function checkReference(what: string, value: string): Reference {
  assertMakeValue(what, value);
  try {
    return parseReference(value);
  } catch (e: unknown) {
    throw new UserError(`${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** Validates `options`; throws a {@link UserError} naming the first bad input. */
export function validateBuildInstallerOptions(
  options: BuildInstallerOptions,
  newUuid?: () => string,
): ValidatedBuildInstaller {
  const talosDir = options.talosDir?.trim() || undefined;
  const imager = options.imagerImage?.trim() || undefined;
  if (talosDir && imager) {
    throw new UserError(
      "input 'talos-dir' and input 'imager-image' are both set: give input 'talos-dir' to build the imager from a talos checkout, or input 'imager-image' to run a ready one, not both",
    );
  }
  if (!talosDir && !imager) {
    throw new UserError(
      "neither input 'talos-dir' nor input 'imager-image' is set: check out siderolabs/talos and pass its path as input 'talos-dir', or pass a pinned input 'imager-image' from an earlier run",
    );
  }
  const mode = talosDir ? 'talos-dir' : 'imager-image';
  const absoluteTalosDir = talosDir ? resolve(talosDir) : undefined;
  if (absoluteTalosDir) {
    assertMakeValue("input 'talos-dir'", absoluteTalosDir);
    if (!existsSync(join(absoluteTalosDir, 'Makefile'))) {
      throw new UserError(
        `input 'talos-dir' is '${talosDir}', which has no Makefile (${absoluteTalosDir}): check out siderolabs/talos there (actions/checkout with path: ${talosDir}), or give a ready imager with input 'imager-image'`,
      );
    }
  }
  const outDir = options.outDir ? resolve(options.outDir) : undefined;
  if (outDir) assertMakeValue('the output directory', outDir);
  if (mode === 'talos-dir') {
    if (!options.kernelImage) {
      throw new UserError(
        "input 'kernel-image' is required with input 'talos-dir': the imager embeds that kernel (PKG_KERNEL); pass the build-kernel-pkg step's kernel-image output",
      );
    }
    checkReference("input 'kernel-image'", options.kernelImage);
  } else {
    checkReference("input 'imager-image'", imager ?? '');
    if (!options.baseInstallerImage) {
      throw new UserError(
        "input 'base-installer-image' is required with input 'imager-image': pass the installer-base image built with that imager (the installer-base-image output of the run that built it)",
      );
    }
  }
  if (options.baseInstallerImage) {
    checkReference("input 'base-installer-image'", options.baseInstallerImage);
  }
  for (const e of options.extensionImages) checkReference("input 'extension-images'", e);
  for (const e of options.extraExtensionImages ?? []) {
    const ref = checkReference("input 'extra-extension-images'", e);
    if (!ref.digest) {
      throw new UserError(
        `input 'extra-extension-images' has '${e}', which is not pinned: give name:tag@sha256:<digest> (skopeo inspect or crane digest prints it), so the installer carries exactly the image that was checked`,
      );
    }
  }
  for (const [what, path] of [
    ["input 'schematic'", options.schematic],
    ["input 'node-extensions'", options.nodeExtensions],
  ] as const) {
    if (path !== undefined && !existsSync(path)) {
      throw new UserError(
        `${what} is '${path}', which does not exist: ${what.includes('schematic') ? 'give the schematic.yaml you upload to Image Factory' : "save 'talosctl -n <node> get extensions -o yaml' to that file"}`,
      );
    }
  }
  if ((options.schematic || options.nodeExtensions) && !options.talosVersion) {
    throw new UserError(
      "input 'talos-version' is required with input 'schematic' or input 'node-extensions': official extensions are resolved to the images of that Talos release (e.g. v1.11.5)",
    );
  }
  if (options.talosVersion !== undefined)
    parseTalosRelease(options.talosVersion, "input 'talos-version'");
  for (const a of options.extraKernelArgs) {
    assertMakeValue("input 'extra-kernel-args'", a);
    // `-name` (or `-name=value`) removes a default argument, as the imager does; `--x` would be
    // read as an imager flag, and a lone `-` names nothing.
    if (a.startsWith('-') && !/^-[A-Za-z0-9_][A-Za-z0-9_.-]*(=.*)?$/.test(a)) {
      throw new UserError(
        `input 'extra-kernel-args' has '${a}': give kernel arguments such as console=ttyS0,115200n8 one per line, or -name to remove a default argument (e.g. -console)`,
      );
    }
  }
  assertMakeValue("input 'registry'", options.registry);
  if (!/^[a-z0-9]([a-z0-9._-]*[a-z0-9])?(:[0-9]+)?$/i.test(options.registry)) {
    throw new UserError(
      `input 'registry' is '${options.registry}': give a registry host such as ghcr.io or 127.0.0.1:5005 (no scheme, no path)`,
    );
  }
  const username = options.username.toLowerCase();
  assertMakeValue("input 'username'", username);
  if (
    !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(
      username,
    )
  ) {
    throw new UserError(
      `input 'username' is '${options.username}': it becomes part of image names, so use letters, digits, '.', '_' or '-' (e.g. your GitHub owner)`,
    );
  }
  if (options.tag !== undefined) {
    assertMakeValue("input 'tag'", options.tag);
    if (!/^[\w][\w.-]{0,127}$/.test(options.tag)) {
      throw new UserError(
        `input 'tag' is '${options.tag}', not a valid image tag: use letters, digits, '_', '.', '-' (at most 128), e.g. v1.11.0`,
      );
    }
  }
  for (const r of options.insecureRegistries) assertMakeValue("input 'insecure-registries'", r);
  const platforms = parsePlatforms(options.platforms);
  const defaultDestination = !options.installerRef;
  const refText = options.installerRef ?? defaultTtlShReference(newUuid?.());
  const destination = checkReference("input 'installer-ref'", refText);
  if (destination.digest) {
    throw new UserError(
      `input 'installer-ref' is '${refText}': give a tag to push to (repository:tag), not a digest`,
    );
  }
  if (isTtlSh(destination.registry)) {
    checkTtlShTag("input 'installer-ref'", refText, destination.tag);
  }
  return {
    mode,
    options,
    ...(absoluteTalosDir ? { talosDir: absoluteTalosDir } : {}),
    ...(outDir ? { outDir } : {}),
    username,
    platforms,
    destination,
    defaultDestination,
  };
}

function parsePlatforms(items: readonly string[]): { platform: string; arch: string }[] {
  if (items.length === 0) {
    throw new UserError("input 'platforms' is empty: use linux/amd64, linux/arm64 or both");
  }
  const out: { platform: string; arch: string }[] = [];
  for (const item of items) {
    assertMakeValue("input 'platforms'", item);
    let arch: string;
    try {
      const p = parsePlatform(item);
      if (p.os !== 'linux') throw new Error(`os ${p.os}`);
      arch = p.architecture;
    } catch {
      throw new UserError(
        `input 'platforms' has '${item}': use linux/amd64 or linux/arm64 (comma-separated or one per line)`,
      );
    }
    if (!supportedArches.includes(arch)) {
      throw new UserError(
        `input 'platforms' has '${item}': Talos installers exist for linux/amd64 and linux/arm64 only`,
      );
    }
    const platform = `linux/${arch}`;
    if (!out.some((p) => p.arch === arch)) out.push({ platform, arch });
  }
  return out;
}
