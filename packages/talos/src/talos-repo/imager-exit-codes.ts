/**
 * What an imager's exit code means. Talos >= 1.14 imagers exit by cause, codes their source calls
 * stable public API (siderolabs/talos pkg/machinery/constants/constants.go at
 * ad8823176e75b9cd07647ddde13c34f2ab77c663: ExitUnknownError = 1, ExitInvalidInput = 2,
 * ExitUnsupported = 3, ExitEnvironment = 4, ExitDependency = 5, ExitIO = 6, ExitInstall = 7);
 * older ones exit 1 for everything.
 */
const meanings: Readonly<Record<number, { what: string; next: string }>> = {
  1: {
    what: 'unknown error (or any error, before Talos 1.14)',
    next: 'read the imager output above',
  },
  2: {
    what: 'invalid input',
    next: 'check the image references, extension contents and kernel arguments',
  },
  3: { what: 'unsupported', next: 'this imager version does not support the requested output' },
  4: {
    what: 'environment: a host prerequisite is missing or unavailable',
    next: 'run the imager as the Makefile does (privileged on Talos 1.10 to 1.12, with /dev mounted)',
  },
  5: {
    what: 'dependency: pulling an image failed (or a signer or post-processing tool)',
    next: 'check that the base installer and extension images exist, are pushed for this platform, and that the registry is reachable (loopback and insecure registries need --network=host and --insecure)',
  },
  6: { what: 'I/O', next: 'check the output directory is writable and has space' },
  7: {
    what: 'installer assembly failed (install: the image was being put together)',
    next: 'check the extensions were built against the same kernel as the imager',
  },
  125: {
    what: 'docker could not start the imager',
    next: 'check the imager image reference is pullable from this machine',
  },
  126: { what: 'the imager entrypoint could not run', next: 'is this an imager image?' },
  127: { what: 'the imager entrypoint was not found', next: 'is this an imager image?' },
};

/** A short explanation of an imager exit code, for error messages. */
export function describeImagerExitCode(code: number): string {
  const m = meanings[code];
  return m ? `${m.what}; ${m.next}` : 'see the imager output above';
}
