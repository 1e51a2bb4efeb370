/**
 * Options of the run-all step (every step in turn): the union of what its four steps need, spelled
 * once, as the CLI's `pipeline` command reads them. They are parsed here, once, into the typed
 * values the steps take; a bad one fails before the first build, naming its field.
 */
import { UserError } from '@talos-kmod/common';
import type { PinnedReference, Reference } from '@talos-kmod/oci';
import { validateModuleNames } from '@talos-kmod/verify';
import type { BuildTarget } from '../contract/common-inputs';
import {
  parsePinnedInput,
  parsePlatformsInput,
  parsePushTarget,
  parseReferenceInput,
} from '../contract/parse-inputs';

/** What the run-all step builds, from which checkouts, and where it publishes. */
export interface RunAllOptions {
  /** siderolabs/pkgs checkout (fork) holding the module package. */
  readonly pkgsDir: string;
  /** siderolabs/extensions checkout (fork) holding the extension. */
  readonly extensionsDir: string;
  /** siderolabs/talos checkout: builds installer-base and imager with the new kernel. */
  readonly talosDir?: string;
  /** A ready, pinned imager instead of a talos checkout. */
  readonly imagerImage?: string;
  /** installer-base for `imagerImage`. */
  readonly baseInstallerImage?: string;
  /** Module packages by pkg.yaml name, e.g. `hailort-pkg`. */
  readonly packages: readonly string[];
  /** The extension (Makefile target), e.g. `hailort`. */
  readonly extension: string;
  readonly registry: string;
  readonly username: string;
  readonly platforms: readonly string[];
  /** Where the installer is published (default `ttl.sh/<uuid>:1h`). */
  readonly installerRef?: string;
  /** Module names verify-image must find in the extension. */
  readonly modules: readonly string[];
  /** Talos version the installer targets (extension compatibility, module paths). */
  readonly talosVersion?: string;
  /** What a checkout from another release than `talosVersion` does: `warn` (default) or `error`. */
  readonly releaseMismatch?: 'warn' | 'error';
  /** The node's other extensions, pinned (`name:tag@sha256:…`); kept in the installer. */
  readonly extraExtensionImages?: readonly string[];
  /** An Image Factory schematic whose official extensions are kept in the installer. */
  readonly schematic?: string;
  /** Saved `talosctl get extensions -o yaml` output: the node's extensions are kept. */
  readonly nodeExtensions?: string;
  /** Where official extension names resolve (repository or image-digests file). */
  readonly extensionsCatalog?: string;
  readonly extraKernelArgs: readonly string[];
  readonly insecureRegistries: readonly string[];
  readonly credentials?: { readonly username: string; readonly password: string };
  /** Reuse a recorded kernel/package build whose inputs are unchanged. */
  readonly cache: boolean;
}

/** The options' texts parsed into what the steps take. */
export interface RunAllValues {
  /** The push namespace and platforms every build step shares (no tag, no make-args). */
  readonly target: BuildTarget;
  readonly imagerImage?: Reference;
  readonly baseInstallerImage?: Reference;
  readonly installerRef?: Reference;
  readonly extraExtensionImages: readonly PinnedReference[];
}

/**
 * Checks what no single step can (the talos checkout / imager choice, the package list) and parses
 * the rest; a {@link FieldError} names the first field that does not parse.
 */
export function validateRunAllOptions(o: RunAllOptions): RunAllValues {
  if (Boolean(o.talosDir) === Boolean(o.imagerImage)) {
    throw new UserError(
      o.talosDir
        ? "give either '--talos' (build the imager from a talos checkout) or '--imager-image', not both"
        : "give '--talos DIR' (a talos checkout) or '--imager-image REF' (a pinned imager) to build the installer",
    );
  }
  if (o.imagerImage && !o.baseInstallerImage) {
    throw new UserError(
      "'--imager-image' needs '--base-installer-image' (the installer-base built with that imager)",
    );
  }
  if (o.packages.length === 0) {
    throw new UserError("give at least one module package with '--package', e.g. hailort-pkg");
  }
  // checked before the first build, not at the last step
  validateModuleNames(o.modules);
  const reference = (field: string, text: string | undefined): Reference | undefined =>
    text ? parseReferenceInput(field, text) : undefined;
  const imagerImage = reference('imager-image', o.imagerImage);
  const baseInstallerImage = reference('base-installer-image', o.baseInstallerImage);
  const installerRef = reference('installer-ref', o.installerRef);
  return {
    target: {
      namespace: parsePushTarget(o.registry, o.username),
      platforms: parsePlatformsInput('platforms', o.platforms),
      makeArgs: [],
    },
    ...(imagerImage ? { imagerImage } : {}),
    ...(baseInstallerImage ? { baseInstallerImage } : {}),
    ...(installerRef ? { installerRef } : {}),
    extraExtensionImages: (o.extraExtensionImages ?? []).map((e) =>
      parsePinnedInput(
        'extra-extension-images',
        e,
        () => 'give name:tag@sha256:<digest> (skopeo inspect or crane digest prints it)',
        'has',
      ),
    ),
  };
}
