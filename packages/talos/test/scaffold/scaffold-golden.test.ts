import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  applyFileChanges,
  extensionVersion,
  planExtensionsScaffold,
  planPkgsScaffold,
  readExtensionsCheckout,
  readPkgsCheckout,
  resolveExtension,
  unifiedDiffs,
  type ModuleSpec,
} from '@talos-kmod/talos';
import { caseSpec, copyToTemp, goldenCases, testdata, treeDifferences } from './golden-support';
import { updateGolden } from '../../../../test/support/golden';

const update = updateGolden();

async function plan(root: string, spec: ModuleSpec) {
  return [
    ['pkgs', await planPkgsScaffold(join(root, 'pkgs'), spec)],
    ['extensions', await planExtensionsScaffold(join(root, 'extensions'), spec)],
  ] as const;
}

describe.each(goldenCases())('new-module scaffold, case %s', (name) => {
  const caseDir = join(testdata, name);

  it('writes exactly the expected files, byte for byte, and plans a diff that git apply agrees with', async () => {
    const spec = caseSpec(name);
    const work = copyToTemp(join(caseDir, 'in'));
    try {
      const plans = await plan(work, spec);
      for (const [, p] of plans) expect(p.conflicts).toEqual([]);
      // Planning writes nothing.
      expect(treeDifferences(join(caseDir, 'in'), work)).toEqual([]);
      for (const [side, p] of plans) {
        const diff = unifiedDiffs(p.files);
        const golden = join(caseDir, 'out', `${side}.diff`);
        if (update) {
          mkdirSync(join(caseDir, 'out'), { recursive: true });
          writeFileSync(golden, diff);
        }
        expect(diff).toBe(readFileSync(golden, 'utf8'));
        await applyFileChanges(p.files);
      }
      const expected = join(caseDir, 'out', 'tree');
      if (update) {
        rmSync(expected, { recursive: true, force: true });
        cpSync(work, expected, { recursive: true });
      }
      expect(treeDifferences(expected, work)).toEqual([]);

      // git apply, an independent reader of the diff, turns the input into the same tree.
      const patched = copyToTemp(join(caseDir, 'in'));
      for (const side of ['pkgs', 'extensions']) {
        execFileSync('git', ['apply', '--unidiff-zero', join(caseDir, 'out', `${side}.diff`)], {
          cwd: join(patched, side),
        });
      }
      expect(treeDifferences(expected, patched)).toEqual([]);
      rmSync(patched, { recursive: true, force: true });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('changes nothing on a second run', async () => {
    const spec = caseSpec(name);
    const work = copyToTemp(join(caseDir, 'out', 'tree'));
    try {
      for (const [, p] of await plan(work, spec)) {
        expect(p.conflicts).toEqual([]);
        expect(p.files.filter((f) => f.before !== f.after).map((f) => f.path)).toEqual([]);
        expect(await applyFileChanges(p.files)).toEqual([]);
      }
      expect(treeDifferences(join(caseDir, 'out', 'tree'), work)).toEqual([]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('leaves checkouts that the readers see as wired', async () => {
    const spec = caseSpec(name);
    const tree = join(caseDir, 'out', 'tree');
    const pkgs = await readPkgsCheckout(join(tree, 'pkgs'));
    expect(pkgs.targets).toContain(spec.packageName);
    const afterKernel = pkgs.targets.slice(pkgs.targets.indexOf('kernel') + 1);
    expect(afterKernel).toContain(spec.packageName);
    expect(pkgs.kres?.targets.map((t) => t.name)).toContain(spec.packageName);
    expect(pkgs.packages.get(spec.packageName)?.folder).toBe(spec.name);
    const vars = new Map(pkgs.pkgfile.vars.map((v) => [v.name, v]));
    expect(vars.get(`${spec.pkgsVarPrefix}_version`)?.value).toBe(spec.version);
    expect(vars.get(`${spec.pkgsVarPrefix}_sha256`)?.value).toBe(spec.sha256);
    expect(vars.get(`${spec.pkgsVarPrefix}_sha512`)?.value).toBe(spec.sha512);
    expect(vars.get(`${spec.pkgsVarPrefix}_version`)?.renovate?.depName).toBe(
      spec.renovate.depName,
    );

    const ext = await readExtensionsCheckout(join(tree, 'extensions'));
    const entry = await resolveExtension(ext, spec.name);
    expect(entry.folder).toBe(`drivers/${spec.name}`);
    const v = await extensionVersion(ext, entry.folder, { TAG: 'v1.11.0', PKGS: 'v1.11.0' });
    expect(v.version).toBe(spec.version);
  });
});
