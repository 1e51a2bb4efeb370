/**
 * The heavier packages, loaded when a command first needs them. The bundle evaluates a package
 * that is only imported dynamically on first use, so `push`, `ls` and `inspect` start without
 * evaluating the CMS, YAML and semver code they never run, and `modinfo` without the pipeline.
 * Commands import these packages' types statically and their values through here.
 */
export const loadPipeline = () => import('@talos-kmod/pipeline');
export const loadKmod = () => import('@talos-kmod/kmod');
export const loadTalos = () => import('@talos-kmod/talos');
