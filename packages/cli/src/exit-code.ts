/**
 * One exit-code rule for every command:
 *
 * - 0: the command did its job (a verification passed, an image was pushed…);
 * - 1: it ran, and what it checked or built failed: a failed check, wiring gaps, a module that
 *   fails verification, a failed build, a registry that failed in the middle of a transfer;
 * - 2: it could not start on what it was given: bad usage or flag values, an invalid image
 *   reference or platform, a file, directory, image or tag that does not exist or cannot be read,
 *   a registry that cannot be reached or refuses the credentials.
 */
import { isInputError, isUserError } from '@talos-kmod/common';
import type { RegistryError } from '@talos-kmod/oci';
import { exitCodes } from './io';

/**
 * Error codes that mean "what was given cannot be used", not "the work failed": a wrong path, a
 * host that does not resolve or refuses connections.
 */
const inputCodes = new Set([
  'ENOENT',
  'ENOTDIR',
  'EISDIR',
  'EACCES',
  'EPERM',
  'ELOOP',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_NONAME',
]);

function causeCodes(e: unknown): string[] {
  const codes: string[] = [];
  for (let cur: unknown = e, i = 0; cur && i < 6; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    cur = (cur as { cause?: unknown }).cause;
  }
  return codes;
}

/** A registry's error, by its shape (the CLI does not load the registry client to compare classes). */
function isRegistryError(e: unknown): e is RegistryError {
  return isUserError(e) && 'method' in e && 'temporary' in e;
}

/** The exit code for a thrown {@link UserError} (or a commander usage error), by the rule above. */
export function exitCodeFor(e: unknown): number {
  const explicit = (e as { exitCode?: unknown } | undefined)?.exitCode;
  if (typeof explicit === 'number') return explicit;
  if (isInputError(e)) return exitCodes.usage;
  if (isRegistryError(e)) {
    // 401/403: credentials; 404: no such repository, tag or digest; no status and not temporary:
    // the registry cannot be reached at all (unknown host, refused, untrusted certificate).
    if (e.status === 401 || e.status === 403 || e.status === 404) return exitCodes.usage;
    if (e.status === undefined && !e.temporary) return exitCodes.usage;
    return exitCodes.failed;
  }
  if (causeCodes(e).some((c) => inputCodes.has(c))) return exitCodes.usage;
  return exitCodes.failed;
}
