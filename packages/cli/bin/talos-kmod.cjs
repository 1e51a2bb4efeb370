#!/usr/bin/env node
// Entry point for `talos-kmod` (npm's bin, npx): loads the bundle that `npm run build` (and
// setup.sh) writes. It stays this small so that Node's compile cache is on before the 1.2 MB
// bundle is compiled: the cache only helps scripts compiled after it is enabled.
const { existsSync } = require('node:fs');
const { homedir } = require('node:os');
const { join } = require('node:path');
const bundle = join(__dirname, '..', 'dist', 'talos-kmod.cjs');
if (!existsSync(bundle)) {
  process.stderr.write(
    'talos-kmod: the CLI is not built yet; run `npm run build` (or ./scripts/setup.sh) first\n',
  );
  process.exit(2);
}
// Node ≥ 22.8 keeps V8's compiled code of the bundle on disk, so later starts skip most of the
// parsing. The cache is the user's own (XDG_CACHE_HOME or ~/.cache), not Node's default under the
// shared temporary directory; where it cannot be created the CLI simply runs without it.
const enableCompileCache = require('node:module').enableCompileCache;
if (typeof enableCompileCache === 'function' && !process.env.NODE_DISABLE_COMPILE_CACHE) {
  try {
    const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
    enableCompileCache(join(cacheHome, 'talos-kmod', 'compile-cache'));
  } catch {
    // no home directory or an unusable path: run uncached
  }
}
require(bundle);
