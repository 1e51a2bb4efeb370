/**
 * `npm run check-dist` compares committed action bundles with a fresh build; a run that compared
 * nothing (no action found) must fail rather than report that everything matches.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { compareBundles, distProblem } from '../scripts/check-dist';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'check-dist-test-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

const bundle = 'actions/x/dist/index.cjs';

describe('check-dist', () => {
  it('passes when every fresh action bundle matches the committed one', () => {
    const fresh = tree({ [bundle]: 'same' });
    const c = compareBundles(tree({ [bundle]: 'same' }), fresh, [join(fresh, bundle)]);
    expect(c).toEqual({ compared: 1, stale: [] });
    expect(distProblem(c)).toBeUndefined();
  });

  it('fails on a differing or missing bundle', () => {
    const fresh = tree({ [bundle]: 'new', 'actions/y/dist/index.cjs': 'y' });
    const c = compareBundles(tree({ [bundle]: 'old' }), fresh, [
      join(fresh, bundle),
      join(fresh, 'actions/y/dist/index.cjs'),
    ]);
    expect(c.stale).toEqual([bundle, 'actions/y/dist/index.cjs']);
    expect(distProblem(c)).toMatch(/differ from a fresh build[\s\S]*npm run build/);
  });

  it('fails when it compared nothing', () => {
    expect(distProblem(compareBundles(tree({}), tree({}), []))).toMatch(
      /compared no action bundles/,
    );
    const fresh = tree({ 'packages/cli/dist/talos-kmod.cjs': 'cli' });
    const onlyCli = compareBundles(tree({}), fresh, [
      join(fresh, 'packages/cli/dist/talos-kmod.cjs'),
    ]);
    expect(onlyCli.compared).toBe(0);
    expect(distProblem(onlyCli)).toMatch(/compared no action bundles/);
  });
});
