/**
 * Where an installer image keeps its boot assets (siderolabs/talos pkg/machinery/constants:
 * `/usr/install/<arch>/vmlinuz.efi`, the UKI, since Talos 1.10; before, `/usr/install/<arch>/vmlinuz`
 * and `/usr/install/<arch>/initramfs.xz`).
 */
import { UserError } from '@talos-kmod/common';

/** `uki`: `vmlinuz.efi`; `kernel-initramfs`: `vmlinuz` + `initramfs.xz`. */
export type InstallerBootFormat = 'uki' | 'kernel-initramfs';

/** The boot assets found for one architecture. */
export interface InstallerAssets {
  readonly bootFormat: InstallerBootFormat;
  /** Paths of the assets, relative, without a leading `/`. */
  readonly files: readonly string[];
}

/** `usr/install/<arch>/<name>`. */
export function installAssetPath(arch: string, name: string): string {
  return `usr/install/${arch}/${name}`;
}

function normalize(path: string): string {
  return path.replace(/^\.?\/+/, '').replace(/\/+$/, '');
}

/** The installer layout `paths` (regular files of the image) hold for `arch`, if any. */
export function findInstallerAssets(
  paths: Iterable<string>,
  arch: string,
): InstallerAssets | undefined {
  const set = new Set([...paths].map(normalize));
  const uki = installAssetPath(arch, 'vmlinuz.efi');
  if (set.has(uki)) return { bootFormat: 'uki', files: [uki] };
  const kernel = installAssetPath(arch, 'vmlinuz');
  const initramfs = installAssetPath(arch, 'initramfs.xz');
  if (set.has(kernel) && set.has(initramfs)) {
    return { bootFormat: 'kernel-initramfs', files: [kernel, initramfs] };
  }
  return undefined;
}

/**
 * Like {@link findInstallerAssets}, but throws a {@link UserError} naming `what` (the tarball)
 * and saying what the image holds under `usr/install/` instead.
 */
export function requireInstallerAssets(
  what: string,
  paths: Iterable<string>,
  arch: string,
): InstallerAssets {
  const list = [...paths].map(normalize);
  const found = findInstallerAssets(list, arch);
  if (found) return found;
  const present = list.filter((p) => p.startsWith('usr/install/')).sort();
  const seen =
    present.length === 0
      ? 'nothing under usr/install/'
      : `only ${present.slice(0, 8).join(', ')}${present.length > 8 ? ', …' : ''}`;
  throw new UserError(
    `${what} is not a Talos installer for ${arch}: it needs ${installAssetPath(arch, 'vmlinuz.efi')} ` +
      `(Talos >= 1.10) or ${installAssetPath(arch, 'vmlinuz')} + ${installAssetPath(arch, 'initramfs.xz')}, ` +
      `and holds ${seen}. Build it with the imager's installer profile (--arch ${arch}) from an imager that carries the ${arch} kernel.`,
  );
}
