/** The new-module step. */
export type { NewModuleOptions, ValidatedNewModule } from './options';
export { validateNewModuleOptions } from './options';
export type { FetchFn, SourceChecksums } from './source-checksums';
export { downloadChecksums } from './source-checksums';
export type { NewModuleDeps, NewModuleResult, CheckoutOutcome } from './new-module';
export { newModule } from './new-module';
