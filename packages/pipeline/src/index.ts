/**
 * The pipeline steps as plain functions (options, deps) → result, shared by the actions and the CLI.
 */
export * from './build-installer/index';
export * from './build-cache/index';
export * from './build-kernel-pkg/index';
export * from './build-extension/index';
export * from './verify-image/index';
export * from './new-module/index';
export * from './check-wiring/index';
export * from './run-all/index';
export * from './create-index/index';
export * from './contracts';
