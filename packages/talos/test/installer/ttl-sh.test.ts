import { describe, expect, it } from '@jest/globals';
import {
  checkTtlShTag,
  defaultTtlShReference,
  isTtlSh,
  parseTtlShLifetime,
} from '@talos-kmod/talos';

describe('ttl.sh lifetimes', () => {
  it.each([
    ['5m', 300],
    ['1600s', 1600],
    ['4h', 14400],
    ['1d', 86400],
    ['24h', 86400],
    ['007h', 25200],
    ['2w', 1209600],
  ])('reads %s as %i seconds', (tag, seconds) => {
    expect(parseTtlShLifetime(tag)).toBe(seconds);
  });

  it.each(['latest', '10', '0s', '-5m', '10H', 'h', '1y', '10ss', ''])(
    'does not read %j as a lifetime',
    (tag) => {
      expect(parseTtlShLifetime(tag)).toBeUndefined();
    },
  );

  it('accepts lifetimes up to 24 hours', () => {
    expect(checkTtlShTag('installer-ref', 'ttl.sh/x:1d', '1d')).toBe(86400);
    expect(checkTtlShTag('installer-ref', 'ttl.sh/x:1440m', '1440m')).toBe(86400);
  });

  it.each([
    ['25h', /at most 24 hours/],
    ['2d', /at most 24 hours/],
    ['1w', /at most 24 hours/],
    ['86401s', /at most 24 hours/],
    ['90', /a number needs a unit\): use 90s, 90m or 90h/],
    ['latest', /'latest' is not one/],
    [undefined, /needs a tag that is its lifetime/],
  ])('refuses the tag %j with a clear message naming the input', (tag, message) => {
    const ref = `ttl.sh/abc${tag ? `:${tag}` : ''}`;
    expect(() => checkTtlShTag('installer-ref', ref, tag)).toThrow(message);
    expect(() => checkTtlShTag('installer-ref', ref, tag)).toThrow(
      `input 'installer-ref' is '${ref}'`,
    );
  });

  it('defaults to a random name for one hour', () => {
    expect(defaultTtlShReference('fb357269-2a4c-478d-8ceb-0d297d70d5aa')).toBe(
      'ttl.sh/fb357269-2a4c-478d-8ceb-0d297d70d5aa:1h',
    );
    expect(defaultTtlShReference()).toMatch(/^ttl\.sh\/[0-9a-f-]{36}:1h$/);
    expect(defaultTtlShReference()).not.toBe(defaultTtlShReference());
  });

  it('knows the host case-insensitively, and nothing else', () => {
    expect(isTtlSh('TTL.sh')).toBe(true);
    expect(isTtlSh('ttl.sh.example.com')).toBe(false);
  });
});
