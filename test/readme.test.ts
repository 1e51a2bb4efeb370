/** The README's action tables and CLI table are generated; this fails when they are stale. */
import { expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderReadme } from '../scripts/readme';
import { repoRoot } from './support/action';

it('has action and CLI tables that match action.yml files and the CLI (run npm run readme)', async () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  expect(await renderReadme(readme)).toBe(readme);
});

it('documents every action and the quick start commands', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  for (const name of ['build-kernel-pkg', 'build-extension', 'build-installer', 'verify-image']) {
    expect(readme).toMatch(new RegExp(`<!-- action:${name}:start -->\\n+\\| input +\\|`));
  }
  for (const cmd of ['./scripts/setup.sh', 'npm test', 'npm run demo'])
    expect(readme).toContain(cmd);
});
