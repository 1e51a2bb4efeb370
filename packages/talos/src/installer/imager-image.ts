/**
 * Telling an imager image from an installer. The imager (siderolabs/talos Dockerfile `imager`
 * target) carries `/usr/bin/imager` (ENTRYPOINT `/bin/imager`) and the raw boot assets under
 * `/usr/install/<arch>/`; installer-base carries `/usr/bin/installer` (ENTRYPOINT `/bin/installer`).
 * An installer built with the imager image passed as `--base-installer-image` keeps the imager's
 * layers and entrypoint and cannot install anything (talos #11426).
 */

/** The imager binary paths, usr-merged (Talos 1.10+) and not. */
const imagerPaths = ['usr/bin/imager', 'bin/imager'];
const installerPaths = ['usr/bin/installer', 'bin/installer'];

/** What points to an imager image: the paths found, and whether an installer binary is there too. */
export interface ImagerEvidence {
  readonly imager: readonly string[];
  readonly installer: readonly string[];
}

/** The imager and installer binaries among `paths` (relative, no leading `/`). */
export function imagerEvidence(paths: Iterable<string>): ImagerEvidence {
  const set = new Set(paths);
  return {
    imager: imagerPaths.filter((p) => set.has(p)),
    installer: installerPaths.filter((p) => set.has(p)),
  };
}
