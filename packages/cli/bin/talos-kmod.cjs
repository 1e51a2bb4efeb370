#!/usr/bin/env node
// Entry point for `talos-kmod` (npm's bin, npx): loads the bundle that `npm run build` (and
// setup.sh) writes. It stays this small so that Node's compile cache is on before the 1.2 MB
// bundle is compiled: the cache only helps scripts compiled after it is enabled.
const { existsSync, mkdirSync } = require('node:fs');
const { homedir } = require('node:os');
const { isAbsolute, join } = require('node:path');
const bundle = join(__dirname, '..', 'dist', 'talos-kmod.cjs');
if (!existsSync(bundle)) {
  process.stderr.write(
    'talos-kmod: the CLI is not built yet; run `npm run build` (or ./scripts/setup.sh) first\n',
  );
  process.exit(2);
}
// Node ≥ 22.8 keeps V8's compiled code of the bundle on disk, so later starts skip most of the
// parsing. The cache is the user's own, not Node's default under the shared temporary directory:
// XDG_CACHE_HOME when it is absolute (the XDG Base Directory specification says to ignore a
// relative one, which would put the cache in whatever directory the command runs in), else
// ~/.cache, made 0700 as the specification asks (as userCacheHome in packages/common does). Where
// it cannot be made the CLI simply runs without it.
const enableCompileCache = require('node:module').enableCompileCache;
if (typeof enableCompileCache === 'function' && !process.env.NODE_DISABLE_COMPILE_CACHE) {
  try {
    const xdg = process.env.XDG_CACHE_HOME;
    const cacheHome = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache');
    const dir = join(cacheHome, 'talos-kmod', 'compile-cache');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    enableCompileCache(dir);
  } catch {
    // no home directory or an unusable path: run uncached
  }
}
require(bundle);
