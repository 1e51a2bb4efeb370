/** Options of the build-extension step and their up-front validation. */
import { FieldError } from '@talos-kmod/common';
import {
  isPinned,
  parseNamespace,
  parseReference,
  type Namespace,
  type PinnedReference,
} from '@talos-kmod/oci';
import type { MakeValue } from '@talos-kmod/talos';
import {
  checkMakeValue,
  checkTag,
  validateBuildTarget,
  type RegistryAccess,
  type ValidatedCommon,
} from '../step-kit/build-options';
import type { ReleasePairing } from '../step-kit/release-pairing';

/** What build-extension builds, against which packages, and where it pushes. */
export interface BuildExtensionOptions extends RegistryAccess, ReleasePairing {
  /** A siderolabs/extensions checkout (fork). */
  readonly extensionsDir: string;
  /** The extension's name (its Makefile target), e.g. `hailort`. */
  readonly extension: string;
  /** `PKGS_PREFIX`: where the packages are (build-kernel-pkg's `pkgs-prefix`). */
  readonly pkgsPrefix?: string;
  /** `PKGS`: their tag (build-kernel-pkg's `pkgs-tag`). */
  readonly pkgsTag?: string;
  /** A pinned package image: its `image:` line is rewritten to it for the build, then restored. */
  readonly pkgImage?: string;
  readonly registry: string;
  readonly username: string;
  readonly platforms: readonly string[];
  readonly push: boolean;
  /** `TAG` (used by VERSIONs like `1.2.0-{{ .BUILD_ARG_TAG }}`); default: the checkout's git describe. */
  readonly tag?: string;
  readonly makeArgs: readonly string[];
}

/** The validated options, typed for the make argv builder. */
export interface ValidatedExtension extends ValidatedCommon {
  readonly pkgsPrefix?: MakeValue;
  /** `pkgs-prefix`, parsed: where the packages the extension pulls are named. */
  readonly pkgsNamespace?: Namespace;
  readonly pkgsTag?: MakeValue;
  /** `pkg-image`, parsed: the pinned package image the pkg.yaml line is rewritten to. */
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
  let pkgsPrefix: MakeValue | undefined;
  let pkgsNamespace: Namespace | undefined;
  if (o.pkgsPrefix !== undefined) {
    pkgsPrefix = checkMakeValue('pkgs-prefix', o.pkgsPrefix);
    try {
      pkgsNamespace = parseNamespace(o.pkgsPrefix);
    } catch (e: unknown) {
      throw new FieldError(
        'pkgs-prefix',
        (n) =>
          `${n('pkgs-prefix')} is '${o.pkgsPrefix}', which is not registry/namespace (e.g. ghcr.io/acme)`,
        { cause: e },
      );
    }
  }
  const pkgsTag = o.pkgsTag !== undefined ? checkTag('pkgs-tag', o.pkgsTag) : undefined;
  let pkgImage: PinnedReference | undefined;
  if (o.pkgImage !== undefined) {
    checkMakeValue('pkg-image', o.pkgImage);
    const ref = (() => {
      try {
        return parseReference(o.pkgImage ?? '');
      } catch (e: unknown) {
        throw new FieldError(
          'pkg-image',
          (n) => `${n('pkg-image')}: ${e instanceof Error ? e.message : String(e)}`,
          {
            cause: e,
          },
        );
      }
    })();
    if (!isPinned(ref)) {
      throw new FieldError(
        'pkg-image',
        (n) =>
          `${n('pkg-image')} is '${o.pkgImage}', which is not pinned: give a reference with @sha256:… (build-kernel-pkg's pkg-image output), or use pkgs-prefix and pkgs-tag`,
      );
    }
    pkgImage = ref;
  }
  return {
    ...validateBuildTarget(o),
    ...(pkgsPrefix !== undefined ? { pkgsPrefix } : {}),
    ...(pkgsNamespace !== undefined ? { pkgsNamespace } : {}),
    ...(pkgsTag !== undefined ? { pkgsTag } : {}),
    ...(pkgImage !== undefined ? { pkgImage } : {}),
  };
}
