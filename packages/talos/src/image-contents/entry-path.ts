/**
 * Entry names as a node would place them. A layer may name `rootfs/usr/lib/modules/../../../etc/x`
 * or `/etc/x`; runtimes and the imager resolve such names differently (some clamp at the root,
 * some follow them out of the extraction directory), so a rule that compared the raw string would
 * judge a path other than the one written. Names are normalised here (`.` and empty segments
 * dropped) and a `..` segment, an absolute name or a NUL byte is refused, never resolved.
 */

/** A normalised entry name, or why the name cannot be placed. */
export type EntryPath =
  | { readonly ok: true; readonly path: string; readonly segments: readonly string[] }
  | { readonly ok: false; readonly reason: string };

/** Normalises a relative entry name (`a/./b//c/` → `a/b/c`); refuses `..`, absolute and NUL. */
export function normalizeEntryPath(path: string): EntryPath {
  if (path.startsWith('/')) return { ok: false, reason: 'it is an absolute name' };
  if (path.includes('\0')) return { ok: false, reason: 'it holds a NUL byte' };
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..'))
    return { ok: false, reason: 'it has a ".." segment, so it names a place outside its folder' };
  return { ok: true, path: segments.join('/'), segments };
}

/** Why `path` is not a plain relative entry name, or undefined when it is one. */
export function entryPathProblem(path: string): string | undefined {
  const n = normalizeEntryPath(path);
  return n.ok ? undefined : n.reason;
}

/**
 * True when the absolute `path` is `prefix` itself or lies below it, compared on `/` boundaries:
 * `/usr/local/bin/x` is under `/usr/local`, `/usr/localevil/bin/x` is not.
 */
export function isUnderPrefix(path: string, prefix: string): boolean {
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return path === p || path.startsWith(`${p}/`);
}

/** Where a symlink leads inside the tree it sits in, or that it climbs out of that tree. */
export type LinkResolution =
  { readonly escapes: false; readonly path: string } | { readonly escapes: true };

/**
 * Resolves a symlink's `target` as seen from `linkPath` (a normalised name relative to the tree's
 * root): absolute targets from the root, relative ones from the link's folder. `escapes` when a
 * `..` climbs above the root, where the tree ends and the host's file system begins. Symlinks
 * inside the tree are not followed (the kernel would; the names alone decide here).
 */
export function resolveLinkTarget(linkPath: string, target: string): LinkResolution {
  const at = target.startsWith('/') ? [] : linkPath.split('/').slice(0, -1);
  for (const s of target.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') {
      if (at.length === 0) return { escapes: true };
      at.pop();
    } else at.push(s);
  }
  return { escapes: false, path: `/${at.join('/')}` };
}
