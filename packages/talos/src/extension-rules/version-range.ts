/**
 * Talos compatibility constraints (`metadata.compatibility.talos.version`), parsed the way Talos
 * does: a `v` directly before a digit is dropped, then blang/semver `ParseRange` grammar applies —
 * comparators `< <= > >= = == ! !=` (none means `=`), full `MAJOR.MINOR.PATCH` versions or `x`
 * wildcards, AND by space, OR by `||`, no `^`, `~` or hyphen ranges (siderolabs/talos
 * pkg/machinery/extensions/validate.go).
 */
import { compareVersions, parseStrictVersion, type TalosVersion } from './talos-version';

/** A parsed constraint. */
export interface VersionRange {
  /** The constraint as written. */
  readonly text: string;
  /** OR of ANDs of comparisons. */
  readonly alternatives: readonly (readonly Comparison[])[];
}

/** One comparison such as `>= 1.9.0`. */
export interface Comparison {
  readonly op: '=' | '!=' | '<' | '<=' | '>' | '>=';
  readonly version: TalosVersion;
}

/** A parse outcome. */
export type RangeParse = { ok: true; range: VersionRange } | { ok: false; error: string };

/** Drops every `v` that stands directly before a digit (Talos's `trim`). */
export function dropVBeforeDigits(constraint: string): string {
  return constraint.replace(/v(?=[0-9])/g, '');
}

/**
 * Splits at spaces, except spaces that follow a comparator character (`>`, `<`, `=`), so that
 * `>= 1.0.0` stays one part; spaces inside a part are then removed.
 */
function splitParts(s: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let last = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    if (c === ' ' && !'><='.includes(last || '#')) {
      // blang/semver keeps only parts longer than one character
      if (start < i - 1) parts.push(s.slice(start, i));
      start = i + 1;
    } else if (c !== ' ') {
      last = c;
    }
  }
  if (start < s.length - 1) parts.push(s.slice(start));
  return parts.map((p) => p.replace(/ /g, '')).filter((p) => p !== '');
}

function splitComparator(part: string): { op: string; version: string } | undefined {
  const i = part.search(/[0-9]/);
  if (i < 0) return undefined;
  return { op: part.slice(0, i).trim(), version: part.slice(i) };
}

const operators: Record<string, Comparison['op']> = {
  '': '=',
  '=': '=',
  '==': '=',
  '!': '!=',
  '!=': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

function bump(version: string, index: 0 | 1): string {
  const parts = version.split('.');
  parts[index] = String(Number(parts[index]) + 1);
  return parts.join('.');
}

/** Rewrites a wildcard comparison (`1.2.x`, `1.x`) into plain ones, as blang/semver does. */
function expandWildcard(part: string): string[] | string {
  const split = splitComparator(part);
  if (!split) return `no version in '${part}'`;
  const pieces = split.version.split('.');
  const kind = pieces.at(-1) === 'x' ? pieces.length : 0;
  let flat = split.version.replace('.x.x', '.x').replace('.x', '.0');
  if (flat.split('.').length === 2) flat = `${flat}.0`;
  // an 'x' that is not a wildcard component leaves no upper bound: blang/semver fails to parse
  const upper = kind === 3 ? bump(flat, 1) : kind === 2 ? bump(flat, 0) : '';
  switch (split.op) {
    case '>':
      return [`>=${upper}`];
    case '>=':
      return [`>=${flat}`];
    case '<':
      return [`<${flat}`];
    case '<=':
      return [`<${upper}`];
    case '':
    case '=':
    case '==':
      return [`>=${flat}`, `<${upper}`];
    case '!=':
    case '!':
      return [`<${flat}`, `>=${upper}`];
    default:
      return `unknown comparator '${split.op}' in '${part}'`;
  }
}

/** Parses a constraint (after {@link dropVBeforeDigits}); an empty one is not a range. */
export function parseVersionRange(text: string): RangeParse {
  const parts = splitParts(dropVBeforeDigits(text));
  if (parts.length === 0) return { ok: false, error: 'empty constraint' };
  if (parts[0] === '||') return { ok: false, error: "the constraint starts with '||'" };
  if (parts.at(-1) === '||') return { ok: false, error: "the constraint ends with '||'" };
  const groups: string[][] = [[]];
  for (const p of parts) {
    if (p === '||') groups.push([]);
    else groups.at(-1)?.push(p);
  }
  const alternatives: Comparison[][] = [];
  for (const group of groups) {
    const comparisons: Comparison[] = [];
    for (const raw of group) {
      const expanded = raw.includes('x') ? expandWildcard(raw) : [raw];
      if (typeof expanded === 'string') return { ok: false, error: expanded };
      for (const part of expanded) {
        const split = splitComparator(part);
        if (!split) return { ok: false, error: `no version in '${part}'` };
        const op = operators[split.op];
        if (!op) return { ok: false, error: `unknown comparator '${split.op}' in '${part}'` };
        const v = parseStrictVersion(split.version);
        if (!v.ok) return { ok: false, error: `cannot parse version in '${part}': ${v.error}` };
        comparisons.push({ op, version: v.version });
      }
    }
    alternatives.push(comparisons);
  }
  return { ok: true, range: { text, alternatives } };
}

function holds(c: Comparison, v: TalosVersion): boolean {
  const d = compareVersions(v, c.version);
  switch (c.op) {
    case '=':
      return d === 0;
    case '!=':
      return d !== 0;
    case '<':
      return d < 0;
    case '<=':
      return d <= 0;
    case '>':
      return d > 0;
    case '>=':
      return d >= 0;
  }
}

/** True when `version` satisfies `range`. */
export function satisfiesRange(range: VersionRange, version: TalosVersion): boolean {
  return range.alternatives.some((and) => and.every((c) => holds(c, version)));
}
