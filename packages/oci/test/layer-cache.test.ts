import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDigest } from '@talos-kmod/oci';
import { layerCachePath, loadLayerCache, saveLayerCache } from '../src/push/layer-cache';

describe('the compressed-layer cache', () => {
  it('ignores a relative XDG_CACHE_HOME (the XDG specification says so)', () => {
    expect(layerCachePath({ XDG_CACHE_HOME: 'rel', HOME: '/home/me' })).toBe(
      '/home/me/.cache/talos-kmod/compressed-layers.json',
    );
    expect(layerCachePath({ XDG_CACHE_HOME: '/c', HOME: '/home/me' })).toBe(
      '/c/talos-kmod/compressed-layers.json',
    );
  });

  it("makes its directories the user's own (0700) and reads back what it wrote", async () => {
    const work = mkdtempSync(join(tmpdir(), 'layer-cache-'));
    const old = process.umask(0o022);
    try {
      const path = layerCachePath({ XDG_CACHE_HOME: join(work, 'xdg') });
      const blob = { digest: parseDigest(`sha256:${'ab'.repeat(32)}`), size: 7 };
      await saveLayerCache(new Map([['k', blob]]), path);
      for (const dir of [join(work, 'xdg'), join(work, 'xdg', 'talos-kmod')]) {
        expect({ dir, mode: (statSync(dir).mode & 0o777).toString(8) }).toEqual({
          dir,
          mode: '700',
        });
      }
      expect([...(await loadLayerCache(path))]).toEqual([['k', blob]]);
    } finally {
      process.umask(old);
      rmSync(work, { recursive: true, force: true });
    }
  });
});
