/** The talos checkout's installer flow: make command lines, imager flags, output paths. */
export type { TalosMakeTarget, InstallerBaseImagerMake, ImageInstallerMake } from './make-args';
export {
  installerBaseImagerMakeArgs,
  imageInstallerMakeArgs,
  installerArchFor,
  talosReservedMakeVariables,
  talosImageReference,
} from './make-args';
export type { ImagerInputs, ImagerRunOptions } from './imager-args';
export { buildImagerArgs, imagerDockerRunArgs } from './imager-args';
export { installerTarballName, installerTarballPath, talosArtifactsDir } from './paths';
export { describeImagerExitCode } from './imager-exit-codes';
