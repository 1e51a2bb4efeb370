/** Image contents: which image of the chain a file system is, and where modules and firmware live. */
export type { ImageEntry, ImageEntryType } from './types';
export type { ImageKind, ImageKindResult } from './image-kind';
export { detectImageKind, imageKindNames } from './image-kind';
export {
  moduleSuffixes,
  isModuleFile,
  normalizeModuleName,
  moduleNameFromPath,
  modulesRootFor,
  firmwareRootFor,
  otherModulesRoot,
  kernelReleaseDirs,
  splitModulePath,
} from './module-paths';
export type { EntryPath, LinkResolution } from './entry-path';
export {
  normalizeEntryPath,
  entryPathProblem,
  isUnderPrefix,
  resolveLinkTarget,
} from './entry-path';
export type { BootRelease, BootReleaseSource } from './boot-release';
export { bootImageRelease } from './boot-release';
