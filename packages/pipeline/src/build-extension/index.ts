/** The build-extension step. */
export type { BuildExtensionOptions } from './options';
export { validateExtensionOptions } from './options';
export type { BuildExtensionDeps, BuildExtensionResult } from './build-extension';
export { buildExtension } from './build-extension';
export { extensionSummary } from './summary';
