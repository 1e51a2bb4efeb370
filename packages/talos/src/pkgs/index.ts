/** Reading siderolabs/pkgs checkouts: targets, package name → folder, the Makefile's TAG rule. */
export type { PkgsCheckout } from './checkout';
export {
  readPkgsCheckout,
  resolvePkgsTargets,
  stageClosure,
  isModulePackage,
  modulePackages,
  kernelTarget,
  kernelBuildStage,
} from './checkout';
export type { PkgYamlEntry } from './find-pkg-yamls';
export { findPkgYamls, indexPkgYamls } from './find-pkg-yamls';
export type { PkgImageLine } from './pkg-yaml';
export { readPkgYamlName, readPkgYamlStages, readPkgYamlImages } from './pkg-yaml';
export type { KresTargets } from './kres';
export { parseKresTargets, readKresTargets } from './kres';
export { describeTag, describeTagArgs, workingTreeHashes } from './git';
