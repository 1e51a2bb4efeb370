/** Options of the run-all step (every step in turn): the union of what its four steps need, spelled once. */
import { UserError } from '@talos-kmod/common';
import { validateModuleNames } from '@talos-kmod/verify';

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

/** Checks what no single step can: the talos checkout / imager choice and the package list. */
export function validateRunAllOptions(o: RunAllOptions): void {
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
}
