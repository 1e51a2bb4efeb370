/**
 * build-extension: `make <extension>` in an extensions checkout against the packages of a fork —
 * through `PKGS_PREFIX`/`PKGS` (the Makefile's own variables, no file edit) or, given a pinned
 * `pkg-image`, by rewriting that one `image:` line of the extension's pkg.yaml for the build and
 * restoring it byte for byte afterwards. The pushed image is resolved from the registry by its
 * tag (the extension's VERSION) and pinned.
 */
import { UserError, formatCommand } from '@talos-kmod/common';
import { imageIn, type PinnedReference } from '@talos-kmod/oci';
import {
  extensionVersion,
  extensionsMakeArgs,
  readExtensionsCheckout,
  resolveExtension,
  withPinnedPkgsImage,
  type ExtensionsCheckout,
} from '@talos-kmod/talos';
import { checkReleasePairing } from '../step-kit/release-pairing';
import { runBuildStep, type BuildStepDeps } from '../step-kit/build-step';
import { versionFromMetadata } from './metadata-version';
import { validateExtensionOptions, type BuildExtensionOptions } from './options';
import { checkPulledPackages } from './pulled-packages';

/** What the step needs from its caller. */
export type BuildExtensionDeps = BuildStepDeps;

/** What the step produced. */
export interface BuildExtensionResult {
  readonly extensionName: string;
  /** The extension's VERSION (its image tag); absent when push is false and it needs bldr. */
  readonly extensionVersion?: string;
  /** Pinned `R/U/<extension>:<version>@sha256:…`; absent when nothing was pushed. */
  readonly extensionImage?: PinnedReference;
  readonly pushed: boolean;
  /** Folder of the extension in the checkout. */
  readonly folder: string;
  /** How the packages were selected. */
  readonly pkgs: {
    readonly mode: 'pkgs-prefix' | 'pkg-image' | 'makefile-defaults';
    readonly detail: string;
  };
  readonly makeCommand: string;
  readonly notes: readonly string[];
}

/** Runs the step. */
export async function buildExtension(
  o: BuildExtensionOptions,
  deps: BuildExtensionDeps,
): Promise<BuildExtensionResult> {
  const { logger } = deps;
  const valid = validateExtensionOptions(o);
  const checkout: ExtensionsCheckout = await readExtensionsCheckout(o.extensionsDir);
  const ext = await resolveExtension(checkout, o.extension);
  const notes: string[] = [];
  if (o.talosVersion) {
    const pairing = await checkReleasePairing(
      'extensions',
      checkout.dir,
      o.talosVersion,
      o.releaseMismatch ?? 'warn',
      deps,
    );
    if (pairing.verdict !== 'match') notes.push(pairing.message);
  }
  // TAG is computed before any edit, so pinning the image line never makes it '-dirty'.
  return runBuildStep(o, checkout, deps, async (kit) => {
    const { tag } = kit;
    if (kit.dirtyTag) {
      notes.push(`the extensions checkout has uncommitted changes, so TAG is '${tag}'`);
    }
    const pkgYamlText = checkout.packages.get(o.extension)?.text ?? '';
    const buildArgs = {
      TAG: tag,
      PKGS: o.pkgsTag ?? checkout.defaults.PKGS,
      PKGS_PREFIX: o.pkgsPrefix?.toString() ?? checkout.defaults.PKGS_PREFIX,
      TOOLS: checkout.defaults.TOOLS,
      TOOLS_PREFIX: checkout.defaults.TOOLS_PREFIX,
    };
    const computed = await extensionVersion(checkout, ext.folder, buildArgs);
    if (computed.version === undefined) {
      logger.info(
        `VERSION of ${o.extension}: ${computed.reason}; taking the tag from buildx's metadata file`,
      );
    } else {
      logger.info(`VERSION of ${o.extension}: ${computed.version} (${computed.source})`);
    }
    const pinnedPkg = valid.pkgImage;
    const pkgs: BuildExtensionResult['pkgs'] = pinnedPkg
      ? { mode: 'pkg-image', detail: pinnedPkg.toString() }
      : o.pkgsPrefix
        ? { mode: 'pkgs-prefix', detail: `${o.pkgsPrefix.toString()}/<package>:${o.pkgsTag ?? ''}` }
        : {
            mode: 'makefile-defaults',
            detail: `${checkout.defaults.PKGS_PREFIX ?? '?'}/<package>:${checkout.defaults.PKGS ?? '?'}`,
          };
    if (pkgs.mode === 'makefile-defaults') {
      notes.push(
        `neither pkgs-prefix/pkgs-tag nor pkg-image was given: the extension was built against the Makefile's default packages (${pkgs.detail}), not a fork's build`,
      );
    }

    const pkgName = pinnedPkg ? pinnedPkg.repository.split('/').pop() : undefined;
    if (pinnedPkg && !(await kit.client.head(pinnedPkg))) {
      throw new UserError(
        `pkg-image ${pinnedPkg.toString()} is not in the registry: pass the pkg-image output of a build-kernel-pkg run that pushed`,
      );
    }
    if (valid.pkgsNamespace && valid.pkgsTag) {
      await checkPulledPackages(
        kit.client,
        pkgYamlText,
        valid.pkgsNamespace,
        valid.pkgsTag,
        o.extension,
        pkgName,
      );
    }
    if (o.push) {
      await kit.preflightPush(imageIn(valid.namespace, o.extension, computed.version ?? tag));
    }
    const args = extensionsMakeArgs({
      ...valid,
      targets: [o.extension],
      push: o.push,
      tag,
      ciArgs: kit.ciArgs,
    });
    const make = () => kit.make(args);
    if (pinnedPkg && pkgName) {
      const text = pinnedPkg.toString();
      await withPinnedPkgsImage(ext.pkgYamlPath, pkgName, text, async ({ line }) => {
        logger.info(`${ext.folder}/pkg.yaml line ${line} pinned to ${text} for this build`);
        await make();
      });
      logger.info(`${ext.folder}/pkg.yaml restored`);
    } else {
      await make();
    }

    const metaFile = kit.metadataFile(o.extension);
    const name = `${valid.namespace.toString()}/${o.extension}`;
    const reported = o.push ? await versionFromMetadata(metaFile, name) : undefined;
    let version = computed.version;
    if (reported && version && reported !== version) {
      logger.warning(
        `buildx pushed ${name}:${reported}, not the VERSION computed here (${version}); using buildx's`,
      );
    }
    version = reported ?? version;
    const base = {
      extensionName: o.extension,
      ...(version ? { extensionVersion: version } : {}),
      folder: ext.folder,
      pkgs,
      makeCommand: formatCommand('make', args),
    };
    if (!o.push) {
      notes.push(
        'push is false: the extension was built but not pushed, so extension-image is empty (a pinned reference needs the registry digest); extension-name and extension-version are set' +
          (version ? '' : ' (extension-version is empty too: its VERSION needs bldr to evaluate)'),
      );
      return { ...base, pushed: false, notes };
    }
    if (!version) {
      throw new UserError(
        `make pushed ${o.extension}, but its tag is unknown: ${computed.version === undefined ? computed.reason : ''} and buildx wrote no metadata naming ${name}`,
      );
    }
    const pinned = await kit.resolvePushed(
      [{ target: o.extension, ref: imageIn(valid.namespace, o.extension, version) }],
      'resolve pushed image',
    );
    return {
      ...base,
      extensionImage: pinned[o.extension] as PinnedReference,
      pushed: true,
      notes,
    };
  });
}
