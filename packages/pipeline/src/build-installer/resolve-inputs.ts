/** Pins every input image to its digest first, so the imager uses exactly what was asked for. */
import type { Logger } from '@talos-kmod/common';
import {
  isLoopbackHost,
  parseReference,
  resolveDigest,
  type RegistryOptions,
} from '@talos-kmod/oci';
import { referenceMakeValue, type MakeValue } from '@talos-kmod/talos';
import type { BuildInstallerOptions } from './options';

/** The input images as pinned references, as the make and imager argv builders take them. */
export interface PinnedInputs {
  readonly extensionImages: readonly MakeValue[];
  readonly kernelImage?: MakeValue;
  readonly baseInstallerImage?: MakeValue;
  readonly imagerImage?: MakeValue;
}

/** Resolves the given input images to `name:tag@sha256:…` from their registries. */
export async function pinInputs(
  options: BuildInstallerOptions,
  mode: 'talos-dir' | 'imager-image',
  registry: RegistryOptions,
  logger: Logger,
): Promise<PinnedInputs> {
  if (mode === 'imager-image' && options.kernelImage) {
    logger.warning(
      `input 'kernel-image' only checks the extensions' signatures with 'imager-image': the imager carries its own kernel (${options.imagerImage ?? ''}), so give the kernel it was built with`,
    );
  }
  return logger.group('Resolve input images to digests', async () => {
    const pin = async (ref: string) =>
      referenceMakeValue(await resolveDigest(parseReference(ref), registry));
    const optional = async (ref: string | undefined) => (ref ? pin(ref) : undefined);
    const extensionImages = await Promise.all(options.extensionImages.map(pin));
    const kernelImage = await optional(mode === 'talos-dir' ? options.kernelImage : undefined);
    const baseInstallerImage = await optional(options.baseInstallerImage);
    const imagerImage = await optional(options.imagerImage);
    for (const e of extensionImages) logger.info(`extension: ${e}`);
    if (kernelImage) logger.info(`kernel: ${kernelImage}`);
    return {
      extensionImages,
      ...(kernelImage ? { kernelImage } : {}),
      ...(baseInstallerImage ? { baseInstallerImage } : {}),
      ...(imagerImage ? { imagerImage } : {}),
    };
  });
}

/** True when any of `refs` lives on a loopback or listed insecure registry (imager `--insecure`). */
export function needsInsecure(
  refs: readonly string[],
  insecureRegistries: readonly string[],
): boolean {
  return refs.some((r) => {
    const host = parseReference(r).registry;
    return isLoopbackHost(host) || insecureRegistries.includes(host);
  });
}
