/**
 * Which image of the chain a file system is: a `kernel` image (`/boot/vmlinuz` + in-tree modules),
 * a module `package` (`/usr/lib/modules/<kver>/…` and friends, as pkgs builds them), a system
 * `extension` (`manifest.yaml` + `rootfs/`), or an `installer` (`/usr/install/<arch>/…`).
 */
import { findInstallerAssets, type InstallerAssets } from '../installer/boot-assets';
import { isModuleFile } from './module-paths';
import type { ImageEntry } from './types';

/** The kinds {@link detectImageKind} tells apart. */
export type ImageKind = 'kernel' | 'module-package' | 'extension' | 'installer' | 'unknown';

/** What was found and why. */
export interface ImageKindResult {
  readonly kind: ImageKind;
  /** Prefix of the system file tree inside the image: `rootfs/` for extensions, else ''. */
  readonly root: string;
  /** Paths that decided the kind. */
  readonly evidence: readonly string[];
  /** For installers: the boot assets per architecture found under `usr/install/`. */
  readonly installer?: readonly (InstallerAssets & { arch: string })[];
}

/** Human names for messages. */
export const imageKindNames: Record<ImageKind, string> = {
  kernel: 'kernel image',
  'module-package': 'module package',
  extension: 'system extension',
  installer: 'Talos installer',
  unknown: 'unrecognised image',
};

const kernelFile = /^boot\/(vmlinuz|vmlinux|bzImage|Image)(\.efi)?$/;

function installerAssets(paths: readonly string[]): (InstallerAssets & { arch: string })[] {
  const arches = new Set<string>();
  for (const p of paths) {
    const m = /^usr\/install\/([^/]+)\//.exec(p);
    if (m?.[1]) arches.add(m[1]);
  }
  const found: (InstallerAssets & { arch: string })[] = [];
  for (const arch of [...arches].sort()) {
    const assets = findInstallerAssets(paths, arch);
    if (assets) found.push({ ...assets, arch });
  }
  return found;
}

/** Classifies `entries` (a merged image file system). */
export function detectImageKind(entries: readonly ImageEntry[]): ImageKindResult {
  const files = entries.filter((e) => e.type !== 'directory').map((e) => e.path);
  const installer = installerAssets(files);
  if (installer.length > 0) {
    return { kind: 'installer', root: '', evidence: installer.flatMap((a) => a.files), installer };
  }
  const hasManifest = entries.some((e) => e.path === 'manifest.yaml');
  const hasRootfs = entries.some((e) => e.path === 'rootfs' || e.path.startsWith('rootfs/'));
  if (
    hasManifest ||
    (hasRootfs && entries.every((e) => /^(rootfs|manifest\.yaml)(\/|$)/.test(e.path)))
  ) {
    return {
      kind: 'extension',
      root: 'rootfs/',
      evidence: [hasManifest ? 'manifest.yaml' : '', hasRootfs ? 'rootfs/' : ''].filter(Boolean),
    };
  }
  const kernel = files.find((p) => kernelFile.test(p));
  if (kernel) return { kind: 'kernel', root: '', evidence: [kernel] };
  const modules = files.filter((p) => /^(usr\/)?lib\/modules\//.test(p) && isModuleFile(p));
  if (modules.length > 0) {
    return { kind: 'module-package', root: '', evidence: modules.slice(0, 3) };
  }
  const packageish = files.filter((p) =>
    /^(usr\/)?lib\/(firmware|modules|udev)\/|^etc\/udev\//.test(p),
  );
  if (packageish.length > 0) {
    return { kind: 'module-package', root: '', evidence: packageish.slice(0, 3) };
  }
  return { kind: 'unknown', root: '', evidence: [] };
}
