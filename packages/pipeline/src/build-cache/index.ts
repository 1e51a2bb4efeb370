/** Build-result caching: the interface the steps use and a local-directory implementation. */
export type { ResultCache } from './result-cache';
export { createDirectoryCache } from './result-cache';
