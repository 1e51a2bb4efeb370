/** Gets the installer tarballs made, by the mode the options chose. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError, type ExecFn, type Logger } from '@talos-kmod/common';
import { resolveDigest, type PinnedReference, type RegistryOptions } from '@talos-kmod/oci';
import {
  referenceMakeValue,
  talosImageReference,
  type ImagerInputs,
  type MakeValue,
  type TalosMakeTarget,
} from '@talos-kmod/talos';
import { buildInstallerBaseAndImager } from './build-imager';
import type { ValidatedBuildInstaller } from './options';
import { needsInsecure, type PinnedInputs } from './resolve-inputs';
import { runImagerWithDocker, runImagerWithMake, type Tarballs } from './run-imager';

/**
 * `make image-installer` pulls the imager by tag; if the tag moved since it was built (another job
 * pushed the same TAG), the installer came from an imager this step would misreport.
 */
async function assertImagerUnchanged(
  target: TalosMakeTarget,
  pinned: PinnedReference,
  registry: RegistryOptions,
): Promise<void> {
  const now = await resolveDigest(talosImageReference(target, 'imager'), registry);
  if (now.toString() !== pinned.toString()) {
    throw new UserError(
      `${talosImageReference(target, 'imager')} changed while the installer was built (${pinned.toString()} → ${now.digest}): another build pushed the same TAG; give this build a unique input 'tag'`,
    );
  }
}

/** Tarballs and the pinned imager and installer-base that made them. */
export interface Produced {
  readonly tarballs: Tarballs;
  readonly imagerImage: PinnedReference;
  readonly installerBaseImage: PinnedReference;
}

/**
 * talos-dir: `make installer-base imager` then `make image-installer`; imager-image: `docker run`
 * the given imager. Either way the imager gets the pinned base and extensions.
 */
export async function produceTarballs(
  v: ValidatedBuildInstaller,
  pinned: PinnedInputs,
  deps: { exec: ExecFn; logger: Logger; registry: RegistryOptions; env?: NodeJS.ProcessEnv },
): Promise<Produced> {
  const { options } = v;
  const arches = v.platforms.map((p) => p.arch);
  const env = deps.env ? { env: deps.env } : {};
  const imagerInputs = (baseInstallerImage: PinnedReference): ImagerInputs => ({
    baseInstallerImage: referenceMakeValue(baseInstallerImage),
    extensionImages: pinned.extensionImages.map(referenceMakeValue),
    ...v.imager,
    insecure: needsInsecure(
      [
        baseInstallerImage,
        ...pinned.extensionImages,
        ...(v.images.overlay ? [v.images.overlay] : []),
      ],
      deps.registry.insecureRegistries ?? [],
    ),
  });
  if (v.mode === 'talos-dir') {
    const talosDir = v.talosDir ?? '';
    const built = await buildInstallerBaseAndImager(
      {
        talosDir,
        registry: v.registry,
        username: v.username,
        ...(v.tag ? { tag: v.tag } : {}),
        platforms: v.platforms.map((p) => p.platform),
        kernelImage: pinned.kernelImage
          ? referenceMakeValue(pinned.kernelImage)
          : ('' as MakeValue),
        makeArgs: v.makeArgs,
        ...env,
      },
      deps,
    );
    const imager = imagerInputs(built.installerBaseImage);
    const tarballs = await runImagerWithMake(
      { talosDir, target: built.target, arches, imager, ...env },
      deps,
    );
    await assertImagerUnchanged(built.target, built.imagerImage, deps.registry);
    return {
      tarballs,
      imagerImage: built.imagerImage,
      installerBaseImage: built.installerBaseImage,
    };
  }
  if (options.tag) deps.logger.warning("input 'tag' is only used with 'talos-dir'; ignoring it");
  if (v.makeArgs.length > 0) {
    deps.logger.warning("input 'make-args' is only used with 'talos-dir'; ignoring it");
  }
  // Validation requires both in this mode, and pinInputs resolved them.
  const imagerImage = pinned.imagerImage as PinnedReference;
  const installerBaseImage = pinned.baseInstallerImage as PinnedReference;
  const outDir = v.outDir ?? mkdtempSync(join(tmpdir(), 'talos-installer-'));
  const tarballs = await runImagerWithDocker(
    {
      imagerImage: referenceMakeValue(imagerImage),
      outDir,
      arches,
      imager: imagerInputs(installerBaseImage),
      ...env,
    },
    deps,
  );
  return { tarballs, imagerImage, installerBaseImage };
}
