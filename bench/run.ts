/**
 * Runs one benchmark: `npm run bench -- <name>` executes `bench/<name>.ts`; with no name it lists
 * them. Benchmarks compare our tools with what a user would otherwise run, in one run, and report
 * ratios (never used as test assertions). Each writes its figures to bench/results/<name>.json.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();
const names = process.argv.slice(2);
if (names.length === 0) {
  console.log(`benchmarks: ${available.join(', ') || '(none)'}\nrun: npm run bench -- <name>…`);
  process.exit(0);
}
let failed = 0;
for (const name of names) {
  if (!available.includes(name)) {
    console.error(`no benchmark '${name}'; available: ${available.join(', ')}`);
    process.exit(2);
  }
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(dir, `${name}.ts`)], {
    stdio: 'inherit',
  });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
