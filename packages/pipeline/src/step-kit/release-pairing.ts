/**
 * The release-pairing check the build steps run when given a `talos-version`: a pkgs, extensions
 * or talos checkout from another release (talos `main` is the next alpha, the extensions default
 * branch pairs with no release, a pkgs tag from another line) makes images that disagree on the
 * node. It warns, or fails with `release-mismatch: error`, naming the checkout's ref and the
 * release's.
 */
import { UserError, type ExecFn, type Logger } from '@talos-kmod/common';
import {
  checkCheckoutRelease,
  parseTalosRelease,
  readCheckoutFacts,
  type CheckoutKind,
  type ReleaseMatch,
} from '@talos-kmod/talos';

/** What a mismatch does. */
export type ReleaseMismatchMode = 'warn' | 'error';

/** The release-pairing inputs shared by the build steps. */
export interface ReleasePairing {
  /** The Talos release the build is for (`v1.11.5`): the checkout is checked against it. */
  readonly talosVersion?: string;
  /** What a checkout from another release does: `warn` (default) or `error`. */
  readonly releaseMismatch?: ReleaseMismatchMode;
}

/** Checks the checkout at `dir` against `talosVersion`; returns the verdict (after warning or throwing). */
export async function checkReleasePairing(
  kind: CheckoutKind,
  dir: string,
  talosVersion: string,
  mode: ReleaseMismatchMode,
  deps: { exec: ExecFn; logger: Logger },
): Promise<ReleaseMatch> {
  const release = parseTalosRelease(talosVersion, "input 'talos-version'");
  const facts = await readCheckoutFacts(dir, deps.exec);
  const match = checkCheckoutRelease(kind, dir, facts, release);
  if (match.verdict === 'match') {
    deps.logger.info(match.message);
  } else if (mode === 'error' && match.verdict === 'mismatch') {
    throw new UserError(`${match.message} (release-mismatch: error)`);
  } else {
    deps.logger.warning(
      `${match.message}${match.verdict === 'mismatch' ? ' (set release-mismatch: error to fail the step)' : ''}`,
    );
  }
  return match;
}
