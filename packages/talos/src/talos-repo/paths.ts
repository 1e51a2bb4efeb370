/** Files a talos checkout's installer flow reads and writes. */
import { join } from 'node:path';

/** The Makefile's `ARTIFACTS` directory. */
export const talosArtifactsDir = '_out';

/** `installer-<arch>.tar`: the file the imager's installer profile writes into its output. */
export function installerTarballName(arch: string): string {
  return `installer-${arch}.tar`;
}

/** `<talos-dir>/_out/installer-<arch>.tar`. */
export function installerTarballPath(talosDir: string, arch: string): string {
  return join(talosDir, talosArtifactsDir, installerTarballName(arch));
}
