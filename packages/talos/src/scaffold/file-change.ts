/**
 * A planned change to one file of a checkout, and applying a plan. Planning reads; only
 * {@link applyFileChanges} writes, so `--dry-run` and conflicts leave the checkouts untouched.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** One file as it is and as it will be. */
export { readOptionalText } from '../internal/read-optional-text';

export interface FileChange {
  /** Absolute path of the checkout. */
  readonly root: string;
  /** Path relative to the checkout, `/`-separated (e.g. `hailort/pkg.yaml`). */
  readonly path: string;
  /** The current text; `undefined` when the file does not exist yet. */
  readonly before: string | undefined;
  readonly after: string;
}

/** A file `new-module` leaves as it is although it would write something else. */
export interface ScaffoldConflict {
  readonly root: string;
  readonly path: string;
  /** 1-based line, when the conflict is one value. */
  readonly line?: number;
  /** What differs and how to resolve it. */
  readonly message: string;
}

/** Writes every change that alters its file (creating folders as needed). */
export async function applyFileChanges(changes: readonly FileChange[]): Promise<string[]> {
  const written: string[] = [];
  for (const c of changes) {
    if (c.before === c.after) continue;
    const abs = join(c.root, c.path);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, c.after);
    written.push(abs);
  }
  return written;
}
