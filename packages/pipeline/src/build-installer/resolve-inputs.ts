/** Pins every input image to its digest first, so the imager uses exactly what was asked for. */
import type { Logger } from '@talos-kmod/common';
import {
  isLoopbackHost,
  resolveDigest,
  type PinnedReference,
  type Reference,
  type RegistryOptions,
} from '@talos-kmod/oci';
import type { InputImages } from './options';

/** The input images as pinned references. */
export interface PinnedInputs {
  readonly extensionImages: readonly PinnedReference[];
  readonly kernelImage?: PinnedReference;
  readonly baseInstallerImage?: PinnedReference;
  readonly imagerImage?: PinnedReference;
}

/** Resolves the given input images to `name:tag@sha256:…` from their registries. */
export async function pinInputs(
  images: InputImages,
  mode: 'talos-dir' | 'imager-image',
  registry: RegistryOptions,
  logger: Logger,
): Promise<PinnedInputs> {
  if (mode === 'imager-image' && images.kernel) {
    logger.warning(
      `input 'kernel-image' only checks the extensions' signatures with 'imager-image': the imager carries its own kernel (${images.imager?.toString() ?? ''}), so give the kernel it was built with`,
    );
  }
  return logger.group('Resolve input images to digests', async () => {
    const pin = (ref: Reference) => resolveDigest(ref, registry);
    const optional = async (ref: Reference | undefined) => (ref ? pin(ref) : undefined);
    const extensionImages = await Promise.all(images.extensions.map(pin));
    const kernelImage = await optional(mode === 'talos-dir' ? images.kernel : undefined);
    const baseInstallerImage = await optional(images.baseInstaller);
    const imagerImage = await optional(images.imager);
    for (const e of extensionImages) logger.info(`extension: ${e.toString()}`);
    if (kernelImage) logger.info(`kernel: ${kernelImage.toString()}`);
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
  refs: readonly Reference[],
  insecureRegistries: readonly string[],
): boolean {
  return refs.some(
    ({ registry }) => isLoopbackHost(registry) || insecureRegistries.includes(registry),
  );
}
