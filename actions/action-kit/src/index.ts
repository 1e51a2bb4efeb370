/**
 * `@talos-kmod/action-kit`: what every action's `main.ts` uses. A step contract's inputs and
 * outputs on the runner, the input readers for inputs outside a contract, the logger, the error
 * boundary and the job summary.
 */
export * from './step-inputs';
export * from './inputs';
export * from './outputs';
export * from './logger';
export * from './run';
export * from './summary';
