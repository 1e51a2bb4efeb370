/**
 * Semantic versions as Talos reads them (github.com/blang/semver/v4, which siderolabs/talos uses):
 * a strict parser for versions inside constraints, and the tolerant one Talos applies to its own
 * version (`v` prefix, `1.10` → `1.10.0`, leading zeros dropped). Comparison follows semver 2.0.0
 * precedence; build metadata is ignored.
 */

/** A parsed version. */
export interface TalosVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Dot-separated prerelease identifiers (`['alpha', '1']`); empty for a release. */
  readonly prerelease: readonly string[];
}

/** A parse outcome: the version, or why it is not one. */
export type VersionParse = { ok: true; version: TalosVersion } | { ok: false; error: string };

const digits = /^[0-9]+$/;
const identifier = /^[0-9A-Za-z-]+$/;

function numberPart(what: string, text: string): number | string {
  if (!digits.test(text)) return `invalid character(s) in ${what} number '${text}'`;
  if (text.length > 1 && text.startsWith('0')) {
    return `${what} number must not have leading zeros: '${text}'`;
  }
  return Number(text);
}

/** Strict `MAJOR.MINOR.PATCH[-PRE][+BUILD]`, as blang/semver `Parse`. */
export function parseStrictVersion(text: string): VersionParse {
  if (text === '') return { ok: false, error: 'empty version' };
  const parts = text.split('.');
  if (parts.length < 3) return { ok: false, error: `'${text}' has no MAJOR.MINOR.PATCH` };
  const [majorText = '', minorText = ''] = parts;
  let rest = parts.slice(2).join('.');
  let build: string[] = [];
  const plus = rest.indexOf('+');
  if (plus >= 0) {
    build = rest.slice(plus + 1).split('.');
    rest = rest.slice(0, plus);
  }
  let prerelease: string[] = [];
  const dash = rest.indexOf('-');
  if (dash >= 0) {
    prerelease = rest.slice(dash + 1).split('.');
    rest = rest.slice(0, dash);
  }
  const major = numberPart('major', majorText);
  const minor = numberPart('minor', minorText);
  const patch = numberPart('patch', rest);
  for (const n of [major, minor, patch]) {
    if (typeof n === 'string') return { ok: false, error: `'${text}': ${n}` };
  }
  for (const p of prerelease) {
    if (!identifier.test(p)) return { ok: false, error: `'${text}': invalid prerelease '${p}'` };
    if (digits.test(p) && p.length > 1 && p.startsWith('0')) {
      return { ok: false, error: `'${text}': numeric prerelease '${p}' has leading zeros` };
    }
  }
  for (const b of build) {
    if (!identifier.test(b))
      return { ok: false, error: `'${text}': invalid build metadata '${b}'` };
  }
  return {
    ok: true,
    version: { major: major as number, minor: minor as number, patch: patch as number, prerelease },
  };
}

/**
 * Tolerant parse, as blang/semver `ParseTolerant` (what Talos applies to its own version):
 * trims spaces, drops one leading `v`, fills `1.10` up to `1.10.0`, removes leading zeros.
 */
export function parseTolerantVersion(text: string): VersionParse {
  const s = text.trim().replace(/^v/, '');
  const parts = s.split('.');
  const head = parts.length > 3 ? [...parts.slice(0, 2), parts.slice(2).join('.')] : parts;
  const cleaned = head.map((p) => {
    if (p.length <= 1) return p;
    const t = p.replace(/^0+/, '');
    return t === '' || !/^[0-9]/.test(t) ? `0${t}` : t;
  });
  if (cleaned.length < 3) {
    if (/[+-]/.test(cleaned.at(-1) ?? '')) {
      return {
        ok: false,
        error: `'${text}': a short version cannot carry prerelease or build data`,
      };
    }
    while (cleaned.length < 3) cleaned.push('0');
  }
  return parseStrictVersion(cleaned.join('.'));
}

function compareIdentifiers(a: string, b: string): number {
  const an = digits.test(a);
  const bn = digits.test(b);
  if (an && bn) return Math.sign(Number(a) - Number(b));
  if (an) return -1;
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Semver precedence: negative, zero or positive like a sort comparator. */
export function compareVersions(a: TalosVersion, b: TalosVersion): number {
  for (const k of ['major', 'minor', 'patch'] as const) {
    if (a[k] !== b[k]) return Math.sign(a[k] - b[k]);
  }
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return Math.sign(b.prerelease.length - a.prerelease.length);
  }
  for (let i = 0; i < Math.min(a.prerelease.length, b.prerelease.length); i++) {
    const c = compareIdentifiers(a.prerelease[i] ?? '', b.prerelease[i] ?? '');
    if (c !== 0) return c;
  }
  return Math.sign(a.prerelease.length - b.prerelease.length);
}

/** True when `a` sorts before `b`. */
export function isBefore(a: TalosVersion, b: TalosVersion): boolean {
  return compareVersions(a, b) < 0;
}

/** MAJOR.MINOR.PATCH without prerelease: what Talos checks constraints and quirks against. */
export function coreVersion(v: TalosVersion): TalosVersion {
  return { major: v.major, minor: v.minor, patch: v.patch, prerelease: [] };
}

/** `1.10.0` or `1.10.0-alpha.1`. */
export function formatVersion(v: TalosVersion): string {
  const core = `${v.major}.${v.minor}.${v.patch}`;
  return v.prerelease.length > 0 ? `${core}-${v.prerelease.join('.')}` : core;
}
