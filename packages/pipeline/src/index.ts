/**
 * The pipeline steps as plain functions (options, deps) → result, shared by the actions and the CLI.
 */
export * from './build-installer/index';
