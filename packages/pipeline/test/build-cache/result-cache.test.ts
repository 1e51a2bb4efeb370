import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDirectoryCache } from '../../src/build-cache/result-cache';

describe('createDirectoryCache', () => {
  it("makes its directories the user's own (0700): nobody else can swap a pinned result", async () => {
    const work = mkdtempSync(join(tmpdir(), 'result-cache-'));
    const old = process.umask(0o022);
    try {
      const dir = join(work, 'talos-kmod', 'build-kernel-pkg');
      const cache = createDirectoryCache(dir);
      expect(await cache.restore('a/key')).toBeUndefined();
      await cache.save('a/key', '{"kernel":"x"}');
      expect(await cache.restore('a/key')).toBe('{"kernel":"x"}');
      for (const d of [join(work, 'talos-kmod'), dir]) {
        expect({ d, mode: (statSync(d).mode & 0o777).toString(8) }).toEqual({ d, mode: '700' });
      }
    } finally {
      process.umask(old);
      rmSync(work, { recursive: true, force: true });
    }
  });
});
