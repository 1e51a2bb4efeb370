#!/usr/bin/env node
// Entry point for `npx talos-kmod`: loads the bundle that `npm run build` (and setup.sh) writes.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const bundle = join(__dirname, '..', 'dist', 'talos-kmod.cjs');
if (!existsSync(bundle)) {
  process.stderr.write(
    'talos-kmod: the CLI is not built yet; run `npm run build` (or ./scripts/setup.sh) first\n',
  );
  process.exit(2);
}
// Node ≥ 22.1 keeps the compiled bundle in its on-disk cache: later starts skip most parsing.
require('node:module').enableCompileCache?.();
require(bundle);
