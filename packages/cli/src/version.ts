/**
 * The CLI's version: the `version` of `packages/cli/package.json`, read next to the running code.
 * From source that is `src/../package.json`; from the bundle `dist/../package.json`, which `npm
 * pack` ships beside `dist/`, so an installed CLI reports the version it was released as.
 */
import { readFileSync } from 'node:fs';

/** Reads the version once; `unknown` if the package.json cannot be read. */
export function cliVersion(): string {
  try {
    const json = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof json.version === 'string' ? json.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
