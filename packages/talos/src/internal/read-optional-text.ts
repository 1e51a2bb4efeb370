import { readFile } from 'node:fs/promises';

/** Reads a file's text, `undefined` when it does not exist (other errors propagate). */
export async function readOptionalText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
