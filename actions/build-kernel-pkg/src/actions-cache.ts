/**
 * The pipeline's `ResultCache` on the GitHub Actions cache (`@actions/cache`): each entry is one
 * small JSON file saved under the step's key. Without the cache service (self-hosted runners
 * without it, local runs), a directory named by `TALOS_KMOD_CACHE_DIR` serves instead.
 */
import * as actionsCache from '@actions/cache';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDirectoryCache, type ResultCache } from '@talos-kmod/pipeline';

/** The parts of `@actions/cache` the adapter uses (a seam for tests). */
export interface ActionsCacheApi {
  isFeatureAvailable(): boolean;
  restoreCache(paths: string[], primaryKey: string): Promise<string | undefined>;
  saveCache(paths: string[], key: string): Promise<number>;
}

/** A ResultCache over `@actions/cache`, a directory cache, or undefined when neither is available. */
export function createActionsResultCache(
  env: NodeJS.ProcessEnv = process.env,
  api: ActionsCacheApi = actionsCache,
): ResultCache | undefined {
  if (!api.isFeatureAvailable()) {
    const dir = env.TALOS_KMOD_CACHE_DIR;
    return dir ? createDirectoryCache(dir) : undefined;
  }
  // The same path on every run: the Actions cache versions entries by their paths.
  const dir = join(env.RUNNER_TEMP ?? tmpdir(), 'talos-kmod-build-kernel-pkg-cache');
  const file = join(dir, 'result.json');
  return {
    description: 'GitHub Actions cache',
    restore: async (key) => {
      await rm(dir, { recursive: true, force: true });
      const hit = await api.restoreCache([dir], key);
      if (hit !== key) return undefined;
      return readFile(file, 'utf8');
    },
    save: async (key, value) => {
      await mkdir(dir, { recursive: true });
      await writeFile(file, value);
      await api.saveCache([dir], key);
    },
  };
}
