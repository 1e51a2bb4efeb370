/**
 * verify-signatures: every module of a package image must be signed by the key of the kernel
 * image it was built with. All modules of one kernel-build share signer and key serial, so the
 * kernel image's own in-tree modules tell the key without the certificate (talos-facts §3).
 *
 * The check is a seam (`VerifyAgainstKernelFn`) so the step can use the verify-image engine; this
 * file holds the signer/key comparison the step runs by default.
 */
import type { Logger } from '@talos-kmod/common';
import { readModule } from '@talos-kmod/kmod';
import { openImage, walkImageFiles, type RegistryOptions } from '@talos-kmod/oci';

/** The outcome for one package image. */
export interface SignatureCheck {
  readonly image: string;
  readonly passed: boolean;
  /** Modules checked. */
  readonly modules: number;
  /** What failed, one line each, with the fix. */
  readonly problems: readonly string[];
}

/** Checks the modules of `image` against the key of `kernelImage`. */
export type VerifyAgainstKernelFn = (image: string, kernelImage: string) => Promise<SignatureCheck>;

const modulePath = /^usr\/lib\/modules\/[^/]+\/.+\.ko(\.xz|\.zst|\.gz)?$/;

interface ModuleKey {
  readonly path: string;
  readonly signed: boolean;
  readonly signer: string;
  readonly keyId: string;
}

async function moduleKeys(ref: string, options: RegistryOptions): Promise<ModuleKey[]> {
  const source = await openImage(ref, options);
  try {
    const platforms = await source.platforms();
    const out: ModuleKey[] = [];
    for (const platform of platforms.length > 1 ? platforms : [undefined]) {
      const image = await source.image(platform);
      await walkImageFiles(image, {
        want: (f) => f.type === 'file' && modulePath.test(f.path),
        onFile: async (f, content) => {
          if (!content) return;
          const info = await readModule(content, { fileName: f.path });
          out.push({
            path: f.path,
            signed: info.signed && info.signature !== undefined,
            signer: info.signature?.signer ?? '',
            keyId: info.signature?.keyId ?? '',
          });
        },
      });
    }
    return out;
  } finally {
    await source.close();
  }
}

/** The default check: compares signer and key id of every module with the kernel's modules. */
export function signatureChecker(options: RegistryOptions, logger: Logger): VerifyAgainstKernelFn {
  const kernelKeys = new Map<string, Promise<ModuleKey[]>>();
  return async (image, kernelImage) => {
    let kernel = kernelKeys.get(kernelImage);
    if (!kernel) {
      kernel = moduleKeys(kernelImage, options);
      kernelKeys.set(kernelImage, kernel);
    }
    const keys = new Set(
      (await kernel).filter((m) => m.signed).map((m) => `${m.signer}\u0000${m.keyId}`),
    );
    const kernelKey = [...keys][0]?.replace('\u0000', "' key ");
    const modules = await moduleKeys(image, options);
    const problems: string[] = [];
    if (keys.size === 0) {
      problems.push(
        `${kernelImage} has no signed modules under usr/lib/modules, so its signing key is unknown: is it a kernel image?`,
      );
    }
    if (modules.length === 0) {
      problems.push(`${image} has no modules under usr/lib/modules/<kver>/`);
    }
    for (const m of modules) {
      if (!m.signed) {
        problems.push(
          `${m.path} is not signed: Talos boots with module.sig_enforce=1 and will refuse it; build it in the pkgs tree so kernel-build signs it`,
        );
      } else if (keys.size > 0 && !keys.has(`${m.signer}\u0000${m.keyId}`)) {
        problems.push(
          `${m.path} is signed by '${m.signer}' key ${m.keyId}, but the kernel's modules by '${kernelKey}': ` +
            'the package was built with another kernel-build, whose throw-away signing key this kernel does not trust ' +
            '(the node rejects it: "Key was rejected by service"). Build the kernel and the package together in one ' +
            "'make kernel <package>' on one builder without pruning its cache in between, then rebuild the extension.",
        );
      }
    }
    logger.debug(`${image}: ${modules.length} module(s) checked against ${kernelImage}`);
    return { image, passed: problems.length === 0, modules: modules.length, problems };
  };
}
