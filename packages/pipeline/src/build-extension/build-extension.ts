/**
 * build-extension: `make <extension>` in an extensions checkout against the packages of a fork —
 * through `PKGS_PREFIX`/`PKGS` (the Makefile's own variables, no file edit) or, given a pinned
 * `pkg-image`, by rewriting that one `image:` line of the extension's pkg.yaml for the build and
 * restoring it byte for byte afterwards. The pushed image is resolved from the registry by its
 * tag (the extension's VERSION) and pinned.
 */
import { checkReleasePairing } from '../step-kit/release-pairing';
import { rm } from 'node:fs/promises';
import { UserError, formatCommand, type ExecFn, type Logger } from '@talos-kmod/common';
import { createRegistryClient, parseReference } from '@talos-kmod/oci';
import {
  describeTag,
  extensionVersion,
  extensionsMakeArgs,
  metadataFileCiArg,
  readExtensionsCheckout,
  repositoryBaseName,
  resolveExtension,
  withPinnedPkgsImage,
  type ExtensionsCheckout,
  makeVariable,
} from '@talos-kmod/talos';
import { withDockerCredentials } from '../step-kit/docker-credentials';
import { runMake } from '../step-kit/make-step';
import { metadataPath } from '../step-kit/metadata';
import { preflightBuildx, preflightRegistry } from '../step-kit/preflight';
import { resolvePushed } from '../step-kit/resolve-pushed';
import { createMetadataDir, stepRegistryOptions } from '../step-kit/step-support';
import { versionFromMetadata } from './metadata-version';
import { validateExtensionOptions, type BuildExtensionOptions } from './options';
import { checkPulledPackages } from './pulled-packages';

/** What the step needs from its caller. */
export interface BuildExtensionDeps {
  readonly exec: ExecFn;
  readonly logger: Logger;
  readonly env?: NodeJS.ProcessEnv;
  readonly dockerConfigDir?: string;
  readonly tmpDir?: string;
}

/** What the step produced. */
export interface BuildExtensionResult {
  readonly extensionName: string;
  /** The extension's VERSION (its image tag); absent when push is false and it needs bldr. */
  readonly extensionVersion?: string;
  /** Pinned `R/U/<extension>:<version>@sha256:…`; absent when nothing was pushed. */
  readonly extensionImage?: string;
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
  const { logger, exec } = deps;
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
  const tag = o.tag ?? (await describeTag(checkout.dir, exec));
  if (!o.tag && tag.endsWith('-dirty')) {
    notes.push(`the extensions checkout has uncommitted changes, so TAG is '${tag}'`);
  }
  const pkgYamlText = checkout.packages.get(o.extension)?.text ?? '';
  const buildArgs = {
    TAG: tag,
    PKGS: o.pkgsTag ?? checkout.defaults.PKGS,
    PKGS_PREFIX: o.pkgsPrefix ?? checkout.defaults.PKGS_PREFIX,
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
  const pinnedPkg = o.pkgImage;
  const pkgs: BuildExtensionResult['pkgs'] = pinnedPkg
    ? { mode: 'pkg-image', detail: pinnedPkg }
    : o.pkgsPrefix
      ? { mode: 'pkgs-prefix', detail: `${o.pkgsPrefix}/<package>:${o.pkgsTag ?? ''}` }
      : {
          mode: 'makefile-defaults',
          detail: `${checkout.defaults.PKGS_PREFIX ?? '?'}/<package>:${checkout.defaults.PKGS ?? '?'}`,
        };
  if (pkgs.mode === 'makefile-defaults') {
    notes.push(
      `neither pkgs-prefix/pkgs-tag nor pkg-image was given: the extension was built against the Makefile's default packages (${pkgs.detail}), not a fork's build`,
    );
  }

  const regOptions = stepRegistryOptions(o, deps);
  const client = createRegistryClient(regOptions);
  const metaDir = await createMetadataDir(deps.tmpDir, logger);
  try {
    const pkgName = pinnedPkg ? repositoryBaseName(pinnedPkg) : undefined;
    if (pinnedPkg && !(await client.head(parseReference(pinnedPkg)))) {
      throw new UserError(
        `pkg-image ${pinnedPkg} is not in the registry: pass the pkg-image output of a build-kernel-pkg run that pushed`,
      );
    }
    if (o.pkgsPrefix && o.pkgsTag) {
      await checkPulledPackages(client, pkgYamlText, o.pkgsPrefix, o.pkgsTag, o.extension, pkgName);
    }
    await preflightBuildx(
      makeVariable(checkout.makefile, 'BUILD'),
      checkout.dir,
      exec,
      deps.env ?? process.env,
    );
    if (o.push) {
      await preflightRegistry(
        client,
        `${o.registry}/${o.username}/${o.extension}:${computed.version ?? tag}`,
        o.registry,
      );
    }
    const args = extensionsMakeArgs({
      ...valid,
      targets: [o.extension],
      registry: o.registry,
      username: o.username,
      push: o.push,
      tag,
      ...(o.pkgsPrefix ? { pkgsPrefix: o.pkgsPrefix } : {}),
      ...(o.pkgsTag ? { pkgsTag: o.pkgsTag } : {}),
      ...(metaDir ? { ciArgs: [metadataFileCiArg(metaDir)] } : {}),
    });
    const make = () =>
      withDockerCredentials(deps.env ?? process.env, [o.registry], o.credentials, logger, (env) =>
        runMake(exec, logger, checkout.dir, args, env),
      );
    if (pinnedPkg && pkgName) {
      await withPinnedPkgsImage(ext.pkgYamlPath, pkgName, pinnedPkg, async ({ line }) => {
        logger.info(`${ext.folder}/pkg.yaml line ${line} pinned to ${pinnedPkg} for this build`);
        await make();
      });
      logger.info(`${ext.folder}/pkg.yaml restored`);
    } else {
      await make();
    }

    const metaFile = metaDir ? metadataPath(metaDir, o.extension) : undefined;
    const name = `${o.registry}/${o.username}/${o.extension}`;
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
    const pinned = await logger.group('resolve pushed image', () =>
      resolvePushed(
        client,
        [
          {
            target: o.extension,
            ref: `${name}:${version}`,
            ...(metaFile ? { metadataFile: metaFile } : {}),
          },
        ],
        logger,
      ),
    );
    return { ...base, extensionImage: pinned[o.extension] as string, pushed: true, notes };
  } finally {
    if (metaDir) await rm(metaDir, { recursive: true, force: true });
    await client.close();
  }
}
