/** udev rules: a parser with systemd-udevd's reading of the syntax, line-numbered diagnostics. */
export type { UdevOperator, UdevToken, UdevRule, UdevDiagnostic, UdevRulesFile } from './types';
export { parseUdevRules } from './parse-rules';
export { checkSubstitutions } from './format';
export { udevBuiltins } from './keys';
export { cUnescape } from './value';
