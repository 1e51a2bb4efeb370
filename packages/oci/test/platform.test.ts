import { describe, expect, it } from '@jest/globals';
import { UserError } from '@talos-kmod/common';
import { formatPlatform, parsePlatform, platformMatches } from '@talos-kmod/oci';

describe('parsePlatform', () => {
  it('parses os/arch and os/arch/variant and formats them back', () => {
    expect(parsePlatform('linux/amd64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/arm64/v8')).toEqual({
      os: 'linux',
      architecture: 'arm64',
      variant: 'v8',
    });
    expect(formatPlatform(parsePlatform('linux/arm/v7'))).toBe('linux/arm/v7');
  });

  it.each(['linux', 'linux/', '/amd64', 'Linux/amd64', 'linux/amd64/v1/x', 'linux amd64'])(
    'rejects %j with a UserError naming it',
    (s) => {
      expect(() => parsePlatform(s)).toThrow(UserError);
      expect(() => parsePlatform(s)).toThrow(`'${s}'`);
    },
  );
});

describe('platformMatches', () => {
  it('matches a wanted platform without variant against any variant', () => {
    expect(platformMatches(parsePlatform('linux/arm64'), parsePlatform('linux/arm64/v8'))).toBe(
      true,
    );
  });
  it('treats arm64 without a variant as v8', () => {
    expect(platformMatches(parsePlatform('linux/arm64/v8'), parsePlatform('linux/arm64'))).toBe(
      true,
    );
  });
  it('does not match another architecture or variant', () => {
    expect(platformMatches(parsePlatform('linux/amd64'), parsePlatform('linux/arm64'))).toBe(false);
    expect(platformMatches(parsePlatform('linux/arm/v7'), parsePlatform('linux/arm/v6'))).toBe(
      false,
    );
  });
});
