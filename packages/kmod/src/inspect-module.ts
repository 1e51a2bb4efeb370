import type { ModuleInfo } from './types';
import { inspectSource } from './internal/inspect';
import { bufferSource } from './internal/source';

/**
 * Reads an uncompressed module from memory: ELF identity, `.modinfo`, symbol versions and the
 * appended signature. Synchronous and never throws: problems are listed in the result. The result
 * holds views into `data` (e.g. the signature bytes), not copies.
 */
export function inspectModule(data: Uint8Array, options: { fileName?: string } = {}): ModuleInfo {
  return inspectSource(bufferSource(data), options).info;
}
