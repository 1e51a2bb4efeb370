/**
 * Where build results are remembered between runs. The pipeline only sees this interface: the
 * action implements it with `@actions/cache` (actions/build-kernel-pkg/src/actions-cache.ts), the
 * CLI with a local directory.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDirMode } from '@talos-kmod/common';

/** A key → text store. Keys are immutable: saving an existing key may be refused. */
export interface ResultCache {
  /** For logs: "GitHub Actions cache", "local directory ~/.cache/talos-kmod". */
  readonly description: string;
  /** The text saved under `key`, or undefined. */
  restore(key: string): Promise<string | undefined>;
  /** Saves `value` under `key`. */
  save(key: string, value: string): Promise<void>;
}

/** A {@link ResultCache} in a local directory: one `<key>.json` file per entry. */
export function createDirectoryCache(dir: string): ResultCache {
  const file = (key: string) => join(dir, `${key.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
  return {
    description: `local directory ${dir}`,
    restore: async (key) => {
      try {
        return await readFile(file(key), 'utf8');
      } catch (e: unknown) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    save: async (key, value) => {
      // the user's own (0700): another account able to write here could swap a pinned result
      await mkdir(dir, { recursive: true, mode: cacheDirMode });
      const tmp = `${file(key)}.${process.pid}.tmp`;
      await writeFile(tmp, value);
      await rename(tmp, file(key));
    },
  };
}
