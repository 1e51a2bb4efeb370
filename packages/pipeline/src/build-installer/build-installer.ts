/**
 * The build-installer step: from a kernel and extensions to a published, pinned installer.
 *
 *   talos-dir:    make installer-base imager (PKG_KERNEL=<kernel>) → make image-installer
 *   imager-image: docker run <imager> installer --arch … (no checkout)
 *   then:         check _out/installer-<arch>.tar → verify it as the node boots it → push with @talos-kmod/oci (an index for several
 *                 platforms) → pinned outputs and a summary ending with `talosctl upgrade`.
 */
import type { ExecFn, Logger } from '@talos-kmod/common';
import { resolveDigest, type PinnedReference, type RegistryOptions } from '@talos-kmod/oci';
import { isTtlSh, parseTtlShLifetime } from '@talos-kmod/talos';
import { withDockerCredentials } from '../step-kit/docker-credentials';
import {
  validateBuildInstallerOptions,
  type BuildInstallerOptions,
  type ValidatedBuildInstaller,
} from './options';
import { checkTarballs, publishInstaller } from './publish';
import { produceTarballs } from './produce';
import { pinInputs } from './resolve-inputs';
import type { Tarballs } from './run-imager';
import { installerSummary } from './summary';
import { verifyTarballs } from './verify-tarballs';
import { resolveExtraExtensions } from './extra-extensions';
import { checkExtensionKeys, forkPkgs } from './check-extension-keys';
import { checkReleasePairing } from '../step-kit/release-pairing';

/** Seams: how commands run, where logs go, registry options (progress, CA, docker config). */
export interface BuildInstallerDeps {
  readonly exec: ExecFn;
  readonly logger: Logger;
  readonly registry?: RegistryOptions;
  /** Environment added to make and docker (e.g. DOCKER_CONFIG). */
  readonly env?: NodeJS.ProcessEnv;
  /** Random names for the ttl.sh default (tests pass a fixed one). */
  readonly uuid?: () => string;
}

/** What the step produced; every image is a pinned reference. */
export interface BuildInstallerResult {
  /** The installer (an index when several platforms). */
  readonly installerImage: PinnedReference;
  /** arch → pinned installer for that platform. */
  readonly installerImages: Record<string, PinnedReference>;
  readonly imagerImage: PinnedReference;
  readonly installerBaseImage: PinnedReference;
  /** arch → tarball path. */
  readonly tarballs: Tarballs;
  /** Markdown for the job summary. */
  readonly summary: string;
}

/** Runs the step. Every input is validated before any command runs. */
export async function buildInstaller(
  options: BuildInstallerOptions,
  deps: BuildInstallerDeps,
): Promise<BuildInstallerResult> {
  const v = validateBuildInstallerOptions(options, deps.uuid);
  if (!options.credentials) return run(options, v, deps);
  const hosts = [...new Set([options.namespace.registry, v.destination.registry])];
  return withDockerCredentials(
    { ...process.env, ...deps.env },
    hosts,
    options.credentials,
    deps.logger,
    (env) =>
      run(options, v, {
        ...deps,
        env: { ...deps.env, DOCKER_CONFIG: env.DOCKER_CONFIG, BUILDX_CONFIG: env.BUILDX_CONFIG },
      }),
  );
}

async function run(
  options: BuildInstallerOptions,
  v: ValidatedBuildInstaller,
  deps: BuildInstallerDeps,
): Promise<BuildInstallerResult> {
  const { logger } = deps;
  const registry: RegistryOptions = {
    ...deps.registry,
    logger,
    insecureRegistries: [
      ...(deps.registry?.insecureRegistries ?? []),
      ...options.insecureRegistries,
    ],
    ...(options.credentials ? { credentials: credentialsFor(options, v) } : {}),
  };
  if (v.defaultDestination) {
    logger.info(`no installer-ref given: publishing to ${v.destination.toString()}`);
  }
  if (v.talosDir && options.talosVersion) {
    await checkReleasePairing(
      'talos',
      v.talosDir,
      options.talosVersion,
      options.releaseMismatch ?? 'warn',
      { exec: deps.exec, logger },
    );
  }
  const extras = await resolveExtraExtensions(options, v.images, registry, logger);
  const pinned = await pinInputs(
    {
      ...v.images,
      extensions: [...v.images.extensions, ...extras.map((e) => e.image)],
    },
    v.mode,
    registry,
    logger,
  );
  // The installer boots the kernel-image (talos-dir) or the imager's own kernel (imager-image),
  // for which the kernel-image it was built with, when given, stands in.
  const bootKernel =
    v.mode === 'talos-dir'
      ? pinned.kernelImage
      : v.images.kernel
        ? await resolveDigest(v.images.kernel, registry)
        : undefined;
  if (!bootKernel) {
    logger.info(
      "no kernel-image with imager-image: the extensions' signatures are checked in the built installer",
    );
  } else {
    await checkExtensionKeys(
      pinned.extensionImages,
      bootKernel,
      options.kernelImage ? forkPkgs(bootKernel) : { prefix: options.namespace.toString() },
      options.verifyInstaller ?? 'error',
      { logger, registry },
    );
  }
  const { tarballs, imagerImage, installerBaseImage } = await produceTarballs(v, pinned, {
    exec: deps.exec,
    logger,
    registry,
    ...(deps.env ? { env: deps.env } : {}),
  });
  const checks = await checkTarballs(tarballs, logger);
  const verified = await verifyTarballs(
    tarballs,
    {
      ...(pinned.kernelImage ? { kernelImage: pinned.kernelImage } : {}),
      extensionImages: pinned.extensionImages,
    },
    options.verifyInstaller ?? 'error',
    { logger, registry },
  );
  const published = await publishInstaller(tarballs, checks, v.destination, { logger, registry });
  const ttlSeconds = isTtlSh(v.destination.registry)
    ? parseTtlShLifetime(v.destination.tag ?? '')
    : undefined;
  const summary = installerSummary({
    mode: v.mode,
    installerImage: published.installerImage,
    installerImages: published.installerImages,
    imagerImage,
    installerBaseImage,
    ...(pinned.kernelImage ? { kernelImage: pinned.kernelImage } : {}),
    extensionImages: pinned.extensionImages,
    extraKernelArgs: options.extraKernelArgs,
    ...(options.overlayImage && options.overlayName
      ? { overlay: { image: options.overlayImage.toString(), name: options.overlayName } }
      : {}),
    layouts: Object.fromEntries(
      Object.entries(checks).map(([arch, c]) => [
        arch,
        c.files.map((f) => f.split('/').pop()).join(' + '),
      ]),
    ),
    ...(ttlSeconds !== undefined ? { ttlSeconds } : {}),
    verified,
  });
  return {
    installerImage: published.installerImage,
    installerImages: published.installerImages,
    imagerImage,
    installerBaseImage,
    tarballs,
    summary,
  };
}

/** Explicit credentials apply to the step's own registry only; others use the docker config. */
function credentialsFor(
  options: BuildInstallerOptions,
  v: ValidatedBuildInstaller,
): RegistryOptions['credentials'] {
  const creds = options.credentials;
  const dest = options.installerRef ? v.destination.registry : undefined;
  return (host: string) =>
    creds && (host === options.namespace.registry || host === dest) ? { ...creds } : undefined;
}
