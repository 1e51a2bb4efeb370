/** Reading and writing build-kernel-pkg cache entries; cache trouble only warns. */
import type { Logger } from '@talos-kmod/common';
import type { RegistryClient } from '@talos-kmod/oci';
import type { ResultCache } from '../build-cache/result-cache';
import { parseKernelPkgRecord, recordStillValid, type KernelPkgRecord } from './cache-record';

/** The recorded result for `key` when it exists and its images are still valid. */
export async function restoreRecord(
  cache: ResultCache,
  key: string,
  client: RegistryClient,
  logger: Logger,
): Promise<KernelPkgRecord | undefined> {
  let text: string | undefined;
  try {
    text = await cache.restore(key);
  } catch (e: unknown) {
    logger.warning(
      `could not read the cache (${cache.description}): ${e instanceof Error ? e.message : String(e)}; building`,
    );
    return undefined;
  }
  if (text === undefined) {
    logger.info(`cache miss (${cache.description})`);
    return undefined;
  }
  const record = parseKernelPkgRecord(text, logger);
  if (!record) return undefined;
  return (await recordStillValid(record, client, logger)) ? record : undefined;
}

/** Saves a result; a failure is a warning. */
export async function saveRecord(
  cache: ResultCache,
  record: KernelPkgRecord,
  logger: Logger,
): Promise<void> {
  try {
    await cache.save(record.key, `${JSON.stringify(record, null, 2)}\n`);
    logger.info(`recorded the result in the cache (${cache.description})`);
  } catch (e: unknown) {
    logger.warning(`could not save the cache entry: ${e instanceof Error ? e.message : String(e)}`);
  }
}
