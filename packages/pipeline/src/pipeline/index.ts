/** The whole chain: build-kernel-pkg → build-extension → build-installer → verify-image. */
export type { PipelineOptions } from './options';
export { validatePipelineOptions } from './options';
export type { PipelineDeps, PipelineResult, PipelineStep, PipelineStepEvent } from './run-pipeline';
export { runPipeline, pipelineSteps } from './run-pipeline';
