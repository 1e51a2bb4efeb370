/** Helpers for the scaffold golden tests: copy a testdata tree, list and compare trees. */
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { resolveModuleDefinition, type ModuleSpec, type NewModuleInput } from '@talos-kmod/talos';

export const testdata = join(import.meta.dirname, 'testdata');

/** Every case folder under testdata (each has `module.json`, `in/` and `out/`). */
export function goldenCases(): string[] {
  return readdirSync(testdata).filter((d) => statSync(join(testdata, d)).isDirectory());
}

/** A fresh temporary copy of `src`. */
export function copyToTemp(src: string, prefix = 'scaffold-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(src, dir, { recursive: true });
  return dir;
}

/** Relative path → bytes of every file under `root`, dotfiles included. */
export function readTree(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const abs = join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else out.set(relative(root, abs).split(sep).join('/'), readFileSync(abs));
    }
  };
  walk(root);
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Paths whose bytes differ between two trees (or exist in only one). */
export function treeDifferences(a: string, b: string): string[] {
  const ta = readTree(a);
  const tb = readTree(b);
  const diffs: string[] = [];
  for (const [p, bytes] of ta) if (!tb.get(p)?.equals(bytes)) diffs.push(p);
  for (const p of tb.keys()) if (!ta.has(p)) diffs.push(p);
  return diffs;
}

/** The case's module: its `module.json` (input plus `sha256`/`sha512`) resolved to a spec. */
export function caseSpec(name: string): ModuleSpec {
  const raw = JSON.parse(
    readFileSync(join(testdata, name, 'module.json'), 'utf8'),
  ) as NewModuleInput & {
    sha256: string;
    sha512: string;
  };
  return { ...resolveModuleDefinition(raw), sha256: raw.sha256, sha512: raw.sha512 };
}
