/** Installer images: the boot asset layout and the check of an imager tarball before pushing. */
export type { InstallerLayout, InstallerAssets } from './layout';
export { installAssetPath, findInstallerAssets, requireInstallerAssets } from './layout';
export type { InstallerTarballCheck } from './check-tarball';
export { checkInstallerTarball } from './check-tarball';
