/**
 * Checks an imager output before it is pushed: the tarball must be a readable image (a
 * go-containerregistry/docker-archive tarball), built for the expected architecture, whose files
 * hold the installer boot assets for it.
 */
import { UserError, describeError, isUserError } from '@talos-kmod/common';
import {
  openImage,
  walkImageFiles,
  type Digest,
  type Image,
  type ImageSource,
  type RegistryOptions,
} from '@talos-kmod/oci';
import { requireInstallerAssets, type InstallerAssets } from './boot-assets';

/** What the check found. */
export interface InstallerTarballCheck extends InstallerAssets {
  /** The image manifest digest the tarball describes (what a push will produce). */
  readonly digest: Digest;
  readonly architecture: string;
}

/** Checks `path` (an `installer-<arch>.tar`) is an installer image for `arch`. */
export async function checkInstallerTarball(
  path: string,
  arch: string,
  options: RegistryOptions = {},
): Promise<InstallerTarballCheck> {
  let source: ImageSource | undefined;
  let image: Image;
  try {
    source = await openImage({ transport: 'docker-archive', path }, options);
    image = await source.image();
  } catch (e: unknown) {
    await source?.close();
    throw new UserError(
      `${path} is not an image tarball the imager would write (${describeError(e)}): ` +
        'expected a docker-archive with manifest.json, the config blob and the layers; ' +
        'make sure it is the imager installer output and not a truncated or other file',
      { cause: e, ...(isUserError(e) ? { details: e.details } : {}) },
    );
  }
  try {
    return await inspect(path, arch, image);
  } finally {
    await source.close();
  }
}

async function inspect(path: string, arch: string, image: Image): Promise<InstallerTarballCheck> {
  const config = image.config as { architecture?: unknown; os?: unknown };
  const architecture = typeof config.architecture === 'string' ? config.architecture : '';
  if (architecture !== arch || (config.os !== undefined && config.os !== 'linux')) {
    throw new UserError(
      `${path} is an image for ${String(config.os ?? '?')}/${architecture || '?'}, not linux/${arch}: ` +
        `run the imager with --arch ${arch}`,
    );
  }
  const paths: string[] = [];
  await walkImageFiles(image, {
    onFile: (file) => {
      if (file.type === 'file' && file.path.startsWith('usr/install/')) paths.push(file.path);
    },
  });
  const assets = requireInstallerAssets(path, paths, arch);
  return { ...assets, digest: image.digest, architecture };
}
