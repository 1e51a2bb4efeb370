/** The check-wiring step. */
export type { CheckWiringStepOptions, CheckWiringResult } from './check-wiring';
export { checkWiring, wiringSummary } from './check-wiring';
