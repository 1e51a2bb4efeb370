/**
 * The @actions/cache adapter of build-kernel-pkg. The Actions cache service cannot run here, so
 * its API is a stub that records calls and throws on any it does not expect.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActionsResultCache, type ActionsCacheApi } from '../src/actions-cache';

function stub(expected: {
  available: boolean;
  restore?: (paths: string[], key: string) => string | undefined;
}) {
  const calls: string[] = [];
  const api: ActionsCacheApi = {
    isFeatureAvailable: () => expected.available,
    restoreCache: async (paths, key) => {
      if (!expected.restore) throw new Error(`unexpected restoreCache(${paths.join(',')}, ${key})`);
      calls.push(`restore ${key}`);
      return expected.restore(paths, key);
    },
    saveCache: async (paths, key) => {
      calls.push(`save ${key} ${readFileSync(join(paths[0] ?? '', 'result.json'), 'utf8')}`);
      return 1;
    },
  };
  return { api, calls };
}

describe('createActionsResultCache', () => {
  it('is undefined without the cache service and without TALOS_KMOD_CACHE_DIR', () => {
    const { api } = stub({ available: false });
    expect(createActionsResultCache({}, api)).toBeUndefined();
  });

  it('uses the TALOS_KMOD_CACHE_DIR directory when the service is not available', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmod-cache-'));
    const { api } = stub({ available: false });
    const cache = createActionsResultCache({ TALOS_KMOD_CACHE_DIR: dir }, api);
    expect(cache?.description).toBe(`local directory ${dir}`);
    await cache?.save('k1', '{"a":1}');
    expect(await cache?.restore('k1')).toBe('{"a":1}');
    expect(await cache?.restore('k2')).toBeUndefined();
  });

  it('saves one JSON file under the key and restores it by the exact key', async () => {
    const runnerTemp = mkdtempSync(join(tmpdir(), 'runner-temp-'));
    const store = new Map<string, string>();
    const { api, calls } = stub({
      available: true,
      restore: (paths, key) => {
        const value = store.get(key);
        if (value === undefined) return undefined;
        mkdirSync(paths[0] ?? '', { recursive: true });
        writeFileSync(join(paths[0] ?? '', 'result.json'), value);
        return key;
      },
    });
    const cache = createActionsResultCache({ RUNNER_TEMP: runnerTemp }, api);
    expect(cache?.description).toBe('GitHub Actions cache');
    expect(await cache?.restore('talos-kmod-x')).toBeUndefined();
    await cache?.save('talos-kmod-x', '{"v":1}');
    const saved = calls.find((c) => c.startsWith('save'));
    expect(saved).toBe('save talos-kmod-x {"v":1}');
    store.set('talos-kmod-x', '{"v":1}');
    expect(await cache?.restore('talos-kmod-x')).toBe('{"v":1}');
    expect(calls.filter((c) => c.startsWith('restore'))).toEqual([
      'restore talos-kmod-x',
      'restore talos-kmod-x',
    ]);
  });

  it('does not return a stale file left from an earlier restore when the key misses', async () => {
    const runnerTemp = mkdtempSync(join(tmpdir(), 'runner-temp-'));
    const dir = join(runnerTemp, 'talos-kmod-build-kernel-pkg-cache');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'result.json'), '{"stale":true}');
    const { api } = stub({ available: true, restore: () => undefined });
    const cache = createActionsResultCache({ RUNNER_TEMP: runnerTemp }, api);
    expect(await cache?.restore('other-key')).toBeUndefined();
    expect(existsSync(join(dir, 'result.json'))).toBe(false);
  });
});
