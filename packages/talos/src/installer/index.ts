/** Installer images: their boot assets (UKI or kernel + initramfs) and the check of an imager tarball before pushing. */
export type { InstallerBootFormat, InstallerAssets } from './boot-assets';
export { installAssetPath, findInstallerAssets, requireInstallerAssets } from './boot-assets';
export type { InstallerTarballCheck } from './check-tarball';
export { checkInstallerTarball } from './check-tarball';
export type { ExtensionLayer, ExtensionsConfig } from './extensions-config';
export { parseExtensionsConfig, modulesDepLayerName } from './extensions-config';
export type { ModulesDep, ModulesDepGaps } from './modules-dep';
export { parseModulesDep, checkModulesDep } from './modules-dep';
export type { SigEnforcement } from './kernel-args';
export { sigEnforcement } from './kernel-args';
export type { ImagerEvidence } from './imager-image';
export { imagerEvidence } from './imager-image';
