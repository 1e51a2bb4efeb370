/** The run-all step (`talos-kmod pipeline`): build-kernel-pkg → build-extension → build-installer → verify-image. */
export type { RunAllOptions } from './options';
export { validateRunAllOptions } from './options';
export type { RunAllDeps, RunAllResult, RunAllStep, RunAllStepEvent } from './run-all';
export { runAll, runAllSteps } from './run-all';
