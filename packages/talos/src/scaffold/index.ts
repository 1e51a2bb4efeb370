/**
 * `new-module`'s engine: generators for the module package (pkgs) and the extension
 * (extensions), and text-preserving, idempotent editors for `Pkgfile`, Makefile `TARGETS` and
 * `.kres.yaml`. Planning reads only; applying writes; diffs show a plan.
 */
export type {
  NewModuleInput,
  ModuleDefinition,
  ModuleSpec,
  RenovateDatasource,
} from './module-spec';
export {
  resolveModuleDefinition,
  assertModuleName,
  assertChecksum,
  deriveExtractVersion,
  sourceUrlFor,
  defaultBuildCommand,
  renovateDatasources,
  extensionTiers,
} from './module-spec';
export type { PkgsFlavour } from './pkgs-pkg-yaml';
export { renderModulePkgYaml, sourceDestination, archEnvLine } from './pkgs-pkg-yaml';
export type { ManifestStyle } from './extension-files';
export {
  renderExtensionPkgYaml,
  renderExtensionVarsYaml,
  renderExtensionManifest,
  renderExtensionReadme,
  manifestFileName,
  extensionFolder,
} from './extension-files';
export type { EditResult, EditConflict, EditOptions } from './edit-result';
export { upsertPkgsVarsBlock, renovateComment, pkgsVars } from './pkgs-pkgfile';
export { upsertExtensionsVersionVar, defaultPkgsVersionComment } from './extensions-pkgfile';
export type { TargetOrder } from './makefile-targets';
export { addMakefileTarget } from './makefile-targets';
export { addKresTarget } from './kres-targets';
export type { FileChange, ScaffoldConflict } from './file-change';
export { applyFileChanges } from './file-change';
export type { ScaffoldPlan, PlanOptions } from './plan-pkgs';
export { planPkgsScaffold, pkgsFlavour } from './plan-pkgs';
export { planExtensionsScaffold, detectManifestStyle } from './plan-extensions';
export type { DiffInput } from './unified-diff';
export { unifiedDiff, unifiedDiffs } from './unified-diff';
