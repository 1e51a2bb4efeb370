/**
 * The kernel images inside a container image: a kernel image's `/boot/vmlinuz`, or an installer's
 * `usr/install/<arch>/vmlinuz.efi` (UKI, Talos ≥ 1.10) and `usr/install/<arch>/vmlinuz` (Talos
 * ≤ 1.9). Each is read with `@talos-kmod/boot` readKernelImage, named by where it came from.
 */
import { readKernelImage, type KernelImage, type KernelImageLimits } from '@talos-kmod/boot';
import { InputError } from '@talos-kmod/common';
import {
  formatPlatform,
  joinChunks,
  openFileTrees,
  type ImageSpec,
  type Platform,
  type RegistryOptions,
} from '@talos-kmod/oci';

/** A kernel image found in a container image. */
export interface ImageKernel {
  /** Path in the image file system, e.g. `boot/vmlinuz`, `usr/install/amd64/vmlinuz.efi`. */
  readonly path: string;
  /** `<image> (<platform>) /<path>`, for messages. */
  readonly source: string;
  readonly platform?: string;
  readonly kernel: KernelImage;
}

/** Options for {@link readImageKernels}. */
export interface ReadImageKernelsOptions {
  /** The platform of a multi-platform image. */
  readonly platform?: Platform;
  /** How to reach a registry (credentials, insecure registries…). */
  readonly registry?: RegistryOptions;
  readonly limits?: KernelImageLimits;
}

/** The paths where the chain's images keep kernels. */
export const kernelPathPattern = /^(boot\/vmlinuz|usr\/install\/[^/]+\/vmlinuz(\.efi)?)$/;

/**
 * Reads every kernel image in the image `spec` (a registry reference, `oci:DIR`, `oci-archive:`,
 * `docker-archive:`, `dir:`). Throws an InputError (the image given cannot be used: exit 2 in the
 * CLI) naming the image and the paths looked at when it holds none.
 */
export async function readImageKernels(
  spec: ImageSpec,
  options: ReadImageKernelsOptions = {},
): Promise<ImageKernel[]> {
  const trees = await openFileTrees(spec, options.registry ?? {});
  try {
    const tree = await trees.only(options.platform);
    const platform = tree.platform ? formatPlatform(tree.platform) : undefined;
    const where = `${trees.description}${platform ? ` (${platform})` : ''}`;
    const found: { path: string; bytes: Buffer }[] = [];
    await tree.walk({
      want: (f) => f.type === 'file' && kernelPathPattern.test(f.path),
      maxFileSize: options.limits?.maxInput ?? 512 * 1024 * 1024,
      onFile: (file, content) => {
        // views of the layer stream: copied, since the walk goes on after this callback
        if (content) found.push({ path: file.path, bytes: joinChunks(content) });
      },
    });
    if (found.length === 0) {
      throw new InputError(
        `${where} holds no kernel (no /boot/vmlinuz, no usr/install/<arch>/vmlinuz[.efi]): pass a kernel image, an installer, or the vmlinuz file itself`,
      );
    }
    const out: ImageKernel[] = [];
    for (const f of found.sort((a, b) => a.path.localeCompare(b.path))) {
      const name = `${where} /${f.path}`;
      const kernel = await readKernelImage(f.bytes, { ...options.limits, name });
      out.push({ path: f.path, source: name, ...(platform ? { platform } : {}), kernel });
    }
    return out;
  } finally {
    await trees.close();
  }
}
