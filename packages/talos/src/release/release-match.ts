/**
 * Whether a pkgs, extensions or talos checkout belongs to the Talos release a build targets: its
 * `git describe` (the tag the Makefile builds with) must be on the release's line (`v1.11.0-…`
 * for 1.11) or its branch must be the release branch (`release-1.11`). talos' `main` is the next
 * alpha and the extensions default branch is `main`: both pair with no released Talos.
 */
import type { ExecFn } from '@talos-kmod/common';
import { describeTag } from '../pkgs/git';
import { parseDescribe } from './describe-version';
import type { ReleaseRefs } from './release-refs';
import type { TalosRelease } from './talos-release';

/** Which repository the checkout is. */
export type CheckoutKind = 'pkgs' | 'extensions' | 'talos';

/** What git says about a checkout. */
export interface CheckoutFacts {
  /** `git describe --tag --always --dirty --match v[0-9]*`. */
  readonly describe: string;
  /** The checked-out branch; absent when HEAD is detached (actions/checkout of a tag or SHA). */
  readonly branch?: string;
}

/** The verdict: `unknown` when nothing in the checkout names a release (a fork without tags). */
export interface ReleaseMatch {
  readonly verdict: 'match' | 'mismatch' | 'unknown';
  /** The checkout as found: `v1.12.0-alpha.0-35-g0aaa07a (branch main)`. */
  readonly found: string;
  /** What the release pairs with: `release-1.11 (PKGS v1.11.0-29-gaee690b)`. */
  readonly expected: string;
  /** One sentence naming both and the fix (for mismatch and unknown). */
  readonly message: string;
}

/** Reads the facts of the checkout at `dir`. */
export async function readCheckoutFacts(dir: string, exec: ExecFn): Promise<CheckoutFacts> {
  const describe = await describeTag(dir, exec);
  const b = await exec('git', ['symbolic-ref', '--quiet', '--short', 'HEAD'], {
    cwd: dir,
    okExitCodes: [0, 1, 128],
  });
  const branch = b.exitCode === 0 ? b.stdout.trim() : '';
  return { describe, ...(branch ? { branch } : {}) };
}

function expectedText(kind: CheckoutKind, release: TalosRelease, refs?: ReleaseRefs): string {
  if (kind === 'pkgs') {
    return `pkgs ${release.branch}${refs ? ` (PKGS ${refs.pkgs.tag}, commit ${refs.pkgs.ref})` : ''}`;
  }
  if (kind === 'extensions') return `extensions ${release.branch} (tag ${release.tag})`;
  return `talos ${release.patch !== undefined ? release.tag : release.branch}`;
}

function fixText(kind: CheckoutKind, release: TalosRelease, refs?: ReleaseRefs): string {
  if (kind === 'pkgs') {
    return `check out ${release.branch}${refs ? ` (or ${refs.pkgs.ref}, the commit Talos ${refs.talos} pins)` : ''}`;
  }
  if (kind === 'extensions') return `check out ${release.branch} (or the tag ${release.tag})`;
  return `check out ${release.patch !== undefined ? `the tag ${release.tag}` : release.branch}`;
}

/** Compares a checkout with the release; `refs` (from {@link readReleaseRefs}) sharpens the message. */
export function checkCheckoutRelease(
  kind: CheckoutKind,
  dir: string,
  facts: CheckoutFacts,
  release: TalosRelease,
  refs?: ReleaseRefs,
): ReleaseMatch {
  const found = `${facts.describe}${facts.branch ? ` (branch ${facts.branch})` : ''}`;
  const expected = expectedText(kind, release, refs);
  const d = parseDescribe(facts.describe);
  const line = `${release.major}.${release.minor}`;
  const branchMatches = facts.branch === release.branch;
  const onOtherRelease = /^release-\d+\.\d+$/.test(facts.branch ?? '') && !branchMatches;
  const lineMatches = d?.line === line;
  let verdict: ReleaseMatch['verdict'];
  if (kind === 'talos' && release.patch !== undefined && d?.tag) {
    verdict = d.tag === release.tag ? 'match' : 'mismatch';
  } else if (branchMatches || (lineMatches && !onOtherRelease)) {
    verdict = 'match';
  } else if (onOtherRelease) {
    verdict = 'mismatch';
  } else if (!d?.tag && !facts.branch) {
    verdict = 'unknown';
  } else if (!d?.tag && facts.branch && !/^(main|master)$/.test(facts.branch)) {
    // a fork without tags on its own branch name: nothing says which release it is
    verdict = 'unknown';
  } else {
    verdict = 'mismatch';
  }
  const subject = `the ${kind} checkout ${dir} is at ${found}`;
  const message =
    verdict === 'match'
      ? `${subject}, which pairs with Talos ${release.tag}`
      : verdict === 'unknown'
        ? `${subject}, which names no release: cannot tell whether it pairs with Talos ${release.tag} (expected ${expected}); ${fixText(kind, release, refs)} or fetch its tags`
        : `${subject}, but Talos ${release.tag} pairs with ${expected}: ${fixText(kind, release, refs)}, or set talos-version to the release the checkout belongs to`;
  return { verdict, found, expected, message };
}
