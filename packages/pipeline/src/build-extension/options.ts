/** Options of the build-extension step and their up-front validation. */
import { FieldError } from '@talos-kmod/common';
import type { Namespace, PinnedReference, Tag } from '@talos-kmod/oci';
import { makeValue, type MakeValue } from '@talos-kmod/talos';
import {
  validateBuildTarget,
  type BuildTargetOptions,
  type RegistryAccess,
  type ValidatedCommon,
} from '../step-kit/build-options';
import type { ReleasePairing } from '../step-kit/release-pairing';

/** What build-extension builds, against which packages, and where it pushes. */
export interface BuildExtensionOptions extends RegistryAccess, BuildTargetOptions, ReleasePairing {
  /** A siderolabs/extensions checkout (fork). */
  readonly extensionsDir: string;
  /** The extension's name (its Makefile target), e.g. `hailort`. */
  readonly extension: string;
  /** `PKGS_PREFIX`: where the packages are (build-kernel-pkg's `pkgs-prefix`). */
  readonly pkgsPrefix?: Namespace;
  /** `PKGS`: their tag (build-kernel-pkg's `pkgs-tag`). */
  readonly pkgsTag?: Tag;
  /** A pinned package image: its `image:` line is rewritten to it for the build, then restored. */
  readonly pkgImage?: PinnedReference;
  readonly push: boolean;
}

/** The validated options, typed for the make argv builder. */
export interface ValidatedExtension extends ValidatedCommon {
  readonly pkgsPrefix?: MakeValue;
  /** `pkgs-prefix`: where the packages the extension pulls are named. */
  readonly pkgsNamespace?: Namespace;
  readonly pkgsTag?: MakeValue;
  /** `pkg-image`: the pinned package image the pkg.yaml line is rewritten to. */
  readonly pkgImage?: PinnedReference;
}

/** Validates the options; throws a {@link FieldError} naming the first bad input. */
export function validateExtensionOptions(o: BuildExtensionOptions): ValidatedExtension {
  if (o.extensionsDir.trim() === '') {
    throw new FieldError(
      'extensions-dir',
      (n) => `${n('extensions-dir')} is empty: give the extensions checkout path`,
    );
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(o.extension)) {
    throw new FieldError(
      'extension',
      (n) => `${n('extension')} is '${o.extension}', which is not an extension name (e.g. hailort)`,
    );
  }
  if ((o.pkgsPrefix === undefined) !== (o.pkgsTag === undefined)) {
    throw new FieldError(
      ['pkgs-prefix', 'pkgs-tag'],
      (n) =>
        `${n('pkgs-prefix')} and ${n('pkgs-tag')} go together: pass both (build-kernel-pkg's outputs of the same names) or neither`,
    );
  }
  return {
    ...validateBuildTarget(o),
    ...(o.pkgsPrefix !== undefined
      ? {
          pkgsPrefix: makeValue(
            `pkgs-prefix '${o.pkgsPrefix.toString()}'`,
            o.pkgsPrefix.toString(),
          ),
          pkgsNamespace: o.pkgsPrefix,
        }
      : {}),
    // The tag grammar admits only make-safe characters.
    ...(o.pkgsTag !== undefined ? { pkgsTag: o.pkgsTag as string as MakeValue } : {}),
    ...(o.pkgImage !== undefined ? { pkgImage: o.pkgImage } : {}),
  };
}
