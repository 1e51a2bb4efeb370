/**
 * The user's cache directory as the XDG Base Directory specification defines it: `XDG_CACHE_HOME`
 * when it is an absolute path, else `~/.cache` (the specification says a relative value is invalid
 * and to be ignored; taken as is it would scatter caches into whatever directory a command runs
 * in). Directories made under it are the user's own (0700), as the specification asks.
 * https://specifications.freedesktop.org/basedir-spec/latest/ ("Environment variables")
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** Mode for the directories the tools make under the cache directory: the user's only. */
export const cacheDirMode = 0o700;

/** `XDG_CACHE_HOME` when absolute, else `$HOME/.cache` (else the account's home directory). */
export function userCacheHome(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return xdg;
  const home = env.HOME && isAbsolute(env.HOME) ? env.HOME : homedir();
  return join(home, '.cache');
}

/** `<cache home>/talos-kmod/<...parts>`: where talos-kmod keeps a cache of its own. */
export function talosKmodCacheDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  ...parts: string[]
): string {
  return join(userCacheHome(env), 'talos-kmod', ...parts);
}
