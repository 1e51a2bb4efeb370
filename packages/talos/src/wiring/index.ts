/** `check-wiring`: whether a module is fully wired into pkgs and extensions checkouts. */
export type { WiringGap, WiringReport } from './gap';
export { formatGap } from './gap';
export type { CheckWiringOptions } from './check-wiring';
export { checkModuleWiring } from './check-wiring';
export type { ModuleNames } from './names';
export { moduleNames } from './names';
export type { WiringNameOverrides } from './discover-names';
export * from './inherited-ci';
