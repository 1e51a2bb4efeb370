/** System extension rules: what Talos and Sidero's extensions-validator accept. */
export type { FindingSeverity, Finding } from './findings';
export { fail, pass, withPass } from './findings';
export type { TalosVersion, VersionParse } from './talos-version';
export {
  parseStrictVersion,
  parseTolerantVersion,
  compareVersions,
  coreVersion,
  formatVersion,
} from './talos-version';
export type { VersionRange, RangeParse } from './version-range';
export { parseVersionRange, satisfiesRange } from './version-range';
export { extensionVersionFormat, extensionVersionFormats } from './version-formats';
export { allowedExtensionPaths, isAllowedExtensionPath, udevRulesDirFor } from './allowed-paths';
export type { ExtensionManifest, ManifestParse } from './manifest';
export { parseExtensionManifest } from './manifest';
export { validateExtensionRoot, rootNames } from './validate-root';
export type { ManifestCheckOptions, ManifestCheck } from './validate-manifest';
export { validateExtensionManifest } from './validate-manifest';
export type { ContentsCheckOptions } from './validate-contents';
export { validateExtensionContents } from './validate-contents';
