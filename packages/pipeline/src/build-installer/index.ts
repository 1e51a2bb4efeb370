/** The build-installer step. */
export type { BuildInstallerOptions, ValidatedBuildInstaller } from './options';
export { validateBuildInstallerOptions } from './options';
export type { BuildInstallerDeps, BuildInstallerResult } from './build-installer';
export { buildInstaller } from './build-installer';
export { installerSummary } from './summary';
export type { InstallerSummaryInput } from './summary';
