/**
 * Fails when a committed action bundle differs from a fresh build: builds every
 * bundle into a temporary tree and compares byte for byte.
 */
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { bundleAll } from './bundle';

const root = resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'check-dist-'));
try {
  const fresh = await bundleAll(tmp);
  const stale: string[] = [];
  let compared = 0;
  for (const file of fresh) {
    const rel = relative(tmp, file);
    if (!rel.startsWith('actions/')) continue; // the CLI bundle is built by setup, not committed
    compared++;
    const committed = join(root, rel);
    if (!existsSync(committed) || !readFileSync(committed).equals(readFileSync(file)))
      stale.push(rel);
  }
  if (stale.length > 0) {
    console.error(`These bundles differ from a fresh build:\n  ${stale.join('\n  ')}`);
    console.error('Run `npm run build` and commit the dist/ changes.');
    process.exit(1);
  }
  console.log(`check-dist: ${compared} action bundles match a fresh build`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
