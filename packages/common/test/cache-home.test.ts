import { describe, expect, it } from '@jest/globals';
import { homedir } from 'node:os';
import { talosKmodCacheDir, userCacheHome } from '../src/cache-home';

describe('userCacheHome', () => {
  it('takes an absolute XDG_CACHE_HOME', () => {
    expect(userCacheHome({ XDG_CACHE_HOME: '/var/cache/me', HOME: '/home/me' })).toBe(
      '/var/cache/me',
    );
  });

  it.each(['cache', './cache', '../cache', ''])(
    'ignores XDG_CACHE_HOME=%j (not absolute) and uses $HOME/.cache',
    (xdg) => {
      expect(userCacheHome({ XDG_CACHE_HOME: xdg, HOME: '/home/me' })).toBe('/home/me/.cache');
    },
  );

  it("falls back to the account's home directory when HOME is unset or relative", () => {
    expect(userCacheHome({})).toBe(`${homedir()}/.cache`);
    expect(userCacheHome({ HOME: 'relative' })).toBe(`${homedir()}/.cache`);
  });

  it('names the talos-kmod folder under it', () => {
    expect(talosKmodCacheDir({ XDG_CACHE_HOME: 'x', HOME: '/h' }, 'a', 'b.json')).toBe(
      '/h/.cache/talos-kmod/a/b.json',
    );
  });
});
