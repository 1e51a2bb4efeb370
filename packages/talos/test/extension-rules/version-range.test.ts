import { describe, expect, it } from '@jest/globals';
import {
  compareVersions,
  parseStrictVersion,
  parseTolerantVersion,
  parseVersionRange,
  satisfiesRange,
  type TalosVersion,
} from '@talos-kmod/talos';

function version(text: string): TalosVersion {
  const v = parseTolerantVersion(text);
  if (!v.ok) throw new Error(v.error);
  return v.version;
}

function satisfies(constraint: string, talos: string): boolean {
  const r = parseVersionRange(constraint);
  if (!r.ok) throw new Error(r.error);
  return satisfiesRange(r.range, version(talos));
}

describe('parseTolerantVersion (blang/semver ParseTolerant)', () => {
  it.each([
    ['v1.10.0', '1.10.0'],
    [' 1.10 ', '1.10.0'],
    ['v1', '1.0.0'],
    ['1.010.03', '1.10.3'],
    ['v1.11.0-alpha.1', '1.11.0-alpha.1'],
  ])('reads %j as %s', (text, expected) => {
    const v = version(text);
    expect(
      `${v.major}.${v.minor}.${v.patch}${v.prerelease.length ? `-${v.prerelease.join('.')}` : ''}`,
    ).toBe(expected);
  });

  it.each(['', 'latest', '1.10-alpha', '1.2.3.4x', 'v1.2.x'])('refuses %j', (text) => {
    expect(parseTolerantVersion(text).ok).toBe(false);
  });
});

describe('parseStrictVersion (blang/semver Parse)', () => {
  it.each(['1.9', '01.2.3', '1.2.03', '1.2.3-01', '1.2.3-', '1.2.3+'])('refuses %j', (text) => {
    expect(parseStrictVersion(text).ok).toBe(false);
  });

  it('accepts build metadata and ignores it in comparisons', () => {
    const a = parseStrictVersion('1.2.3+abc');
    const b = parseStrictVersion('1.2.3');
    expect(a.ok && b.ok && compareVersions(a.version, b.version)).toBe(0);
  });
});

describe('compareVersions (semver precedence)', () => {
  it('orders prereleases before the release and numerically where numeric', () => {
    const sorted = [
      '1.0.0',
      '1.0.0-rc.1',
      '1.0.0-alpha.10',
      '1.0.0-alpha.2',
      '1.0.0-alpha',
      '1.0.0-beta',
    ]
      .map(version)
      .sort(compareVersions)
      .map(
        (v) =>
          [v.major, v.minor, v.patch].join('.') +
          (v.prerelease.length ? `-${v.prerelease.join('.')}` : ''),
      );
    expect(sorted).toEqual([
      '1.0.0-alpha',
      '1.0.0-alpha.2',
      '1.0.0-alpha.10',
      '1.0.0-beta',
      '1.0.0-rc.1',
      '1.0.0',
    ]);
  });
});

describe('parseVersionRange and satisfiesRange (Talos constraint grammar)', () => {
  it.each([
    ['>= v1.9.0', '1.9.0', true],
    ['>= v1.9.0', '1.8.9', false],
    ['>=v1.9.0 <v1.11.0', '1.10.4', true],
    ['>= v1.9.0 < v1.11.0', '1.11.0', false],
    ['< v1.9.0 || >= v1.10.0', '1.9.5', false],
    ['< v1.9.0 || >= v1.10.0', '1.10.0', true],
    ['v1.10.0', '1.10.0', true],
    ['!= v1.10.0', '1.10.0', false],
    ['!v1.10.0', '1.10.1', true],
    ['1.10.x', '1.10.7', true],
    ['1.10.x', '1.11.0', false],
    ['<= 1.10.x', '1.10.9', true],
    ['> 1.x', '2.0.0', true],
    ['> 1.x', '1.99.0', false],
    ['>= v1.9.0-alpha.0', '1.9.0', true],
  ])('%j with Talos %s is %s', (constraint, talos, expected) => {
    expect(satisfies(constraint, talos)).toBe(expected);
  });

  it.each([
    ['>= v1.9', 'MAJOR.MINOR.PATCH'],
    ['^1.9.0', 'comparator'],
    ['~1.9.0', 'comparator'],
    ['|| >= 1.0.0', "starts with '||'"],
    ['>= 1.0.0 ||', "ends with '||'"],
    ['>= latest', 'no version'],
  ])('refuses %j (%s)', (constraint, why) => {
    const r = parseVersionRange(constraint);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.error).toContain(why);
  });
});
