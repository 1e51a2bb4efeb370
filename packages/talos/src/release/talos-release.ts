/**
 * A Talos release as users name it (`v1.11.5`, `1.11.5`, `v1.12.0-beta.1`) or a release line
 * (`v1.11`, for "the newest patch of 1.11"), and the branch names the three repositories use for
 * it (`release-1.11` in siderolabs/talos, pkgs, tools and extensions).
 */
import { InputError } from '@talos-kmod/common';

/** A parsed release or release line. */
export interface TalosRelease {
  readonly major: number;
  readonly minor: number;
  /** Absent for a release line (`v1.11`). */
  readonly patch?: number;
  /** `beta.1` for `v1.12.0-beta.1`. */
  readonly prerelease?: string;
  /** The tag, `v` first: `v1.11.5`, `v1.12.0-beta.1`; `v1.11` for a line. */
  readonly tag: string;
  /** `release-1.11`. */
  readonly branch: string;
}

const pattern = /^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*)(?:-([0-9A-Za-z.-]+))?)?$/;

/** Parses `v1.11.5` / `1.11.5` / `v1.11`; anything else fails naming the value. */
export function parseTalosRelease(text: string, what = 'talos-version'): TalosRelease {
  const t = text.trim();
  const m = pattern.exec(t);
  if (!m || t.length > 64) {
    throw new InputError(
      `${what} is '${text}', not a Talos release: give a tag such as v1.11.5 (or v1.11 for the newest patch of 1.11)`,
    );
  }
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const patch = m[3] === undefined ? undefined : Number(m[3]);
  const prerelease = m[4];
  const tag = `v${major}.${minor}${patch === undefined ? '' : `.${patch}`}${prerelease ? `-${prerelease}` : ''}`;
  return {
    major,
    minor,
    ...(patch === undefined ? {} : { patch }),
    ...(prerelease ? { prerelease } : {}),
    tag,
    branch: `release-${major}.${minor}`,
  };
}

/** True when `release` names one tag rather than a release line. */
export function isExactRelease(release: TalosRelease): boolean {
  return release.patch !== undefined;
}
