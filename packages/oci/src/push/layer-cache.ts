/**
 * Remembers which compressed blob an uncompressed layer became (like skopeo's blob-info cache), so
 * a later push can ask the registry for it without compressing again. Only an optimisation: a
 * missing or unreadable cache means compressing again, never a failure.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { cacheDirMode, talosKmodCacheDir } from '@talos-kmod/common';
import { isDigest, type Digest } from '../reference/digest';

/** A compressed layer as pushed. */
export interface CompressedBlob {
  digest: Digest;
  size: number;
}

/**
 * The cache file: `$XDG_CACHE_HOME/talos-kmod/compressed-layers.json` (default `~/.cache`; a
 * relative XDG_CACHE_HOME is ignored, as the XDG specification says).
 */
export function layerCachePath(env: NodeJS.ProcessEnv = process.env): string {
  return talosKmodCacheDir(env, 'compressed-layers.json');
}

const maxEntries = 2000;

/** Loads the cache; entries are keyed by source digest and compression settings. */
export async function loadLayerCache(
  path = layerCachePath(),
): Promise<Map<string, CompressedBlob>> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Record<
      string,
      { digest?: unknown; size?: unknown } | null
    >;
    return new Map(
      Object.entries(parsed).flatMap(([key, v]) =>
        typeof v?.digest === 'string' && isDigest(v.digest) && typeof v.size === 'number'
          ? [[key, { digest: v.digest, size: v.size }] as const]
          : [],
      ),
    );
  } catch {
    return new Map();
  }
}

/** Writes the cache (newest entries kept); errors are ignored. */
export async function saveLayerCache(
  cache: Map<string, CompressedBlob>,
  path = layerCachePath(),
): Promise<void> {
  const entries = [...cache.entries()].slice(-maxEntries);
  try {
    await mkdir(dirname(path), { recursive: true, mode: cacheDirMode });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(Object.fromEntries(entries)));
    await rename(tmp, path);
  } catch {
    // a cache that cannot be written only costs a recompression next time
  }
}

/** The cache key for a layer compressed with these settings (bump the version when output changes). */
export function layerCacheKey(sourceDigest: string, level: number | readonly number[]): string {
  return `${sourceDigest}|gzip-members-1MiB-level${[level].flat().join('+')}-mem9|v4`;
}
