/**
 * Finds every `pkg.yaml` under a checkout the way bldr's filesystem loader walks it (hidden
 * directories skipped) and maps each package name to its folder: folder and name differ upstream
 * (`hailort/pkg.yaml` has `name: hailort-pkg`), so packages are always resolved by name.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { readPkgYamlName } from './pkg-yaml';

/** One package definition. */
export interface PkgYamlEntry {
  /** The `name:` of the pkg.yaml. */
  readonly name: string;
  /** Folder relative to the checkout root, with `/` separators (e.g. `kernel/build`). */
  readonly folder: string;
  /** Absolute path of the pkg.yaml. */
  readonly path: string;
  /** The file's text. */
  readonly text: string;
}

const skipDirs = new Set(['node_modules', '_out']);

async function walk(dir: string, found: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.isDirectory()) {
      if (e.name.startsWith('.') || skipDirs.has(e.name)) continue;
      await walk(join(dir, e.name), found);
    } else if (e.name === 'pkg.yaml') {
      found.push(join(dir, e.name));
    }
  }
}

/** Every pkg.yaml with a `name:` under `root`, in path order. */
export async function findPkgYamls(root: string): Promise<PkgYamlEntry[]> {
  const paths: string[] = [];
  await walk(root, paths);
  const out: PkgYamlEntry[] = [];
  for (const path of paths) {
    const text = await readFile(path, 'utf8');
    const name = readPkgYamlName(text);
    if (!name) continue;
    const folder = relative(root, join(path, '..')).split(sep).join('/') || '.';
    out.push({ name, folder, path, text });
  }
  return out;
}

/** Name → entry; the first definition wins (bldr refuses duplicates, so there should be none). */
export function indexPkgYamls(entries: readonly PkgYamlEntry[]): Map<string, PkgYamlEntry> {
  const map = new Map<string, PkgYamlEntry>();
  for (const e of entries) if (!map.has(e.name)) map.set(e.name, e);
  return map;
}
