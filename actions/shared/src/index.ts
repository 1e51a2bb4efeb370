/** Glue every action shares: inputs, outputs, logging, the error boundary, the job summary. */
export * from './inputs';
export * from './outputs';
export * from './logger';
export * from './run';
export * from './summary';
