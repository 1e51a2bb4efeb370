import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnExec } from '@talos-kmod/common';
import {
  describeTag,
  modulePackages,
  parseKresTargets,
  readPkgYamlImages,
  readPkgYamlName,
  readPkgYamlStages,
  readPkgsCheckout,
  resolvePkgsTargets,
  stageClosure,
  workingTreeHashes,
} from '@talos-kmod/talos';
import {
  createFixtureRepo,
  fixturesDir,
  type FixtureRepo,
} from '../../../../test/support/fixture-repos';

const pkgsFixture = join(fixturesDir, 'pkgs');
const repos: FixtureRepo[] = [];
afterAll(() => repos.forEach((r) => r.remove()));

/** The TAG the checkout's own Makefile computes (the oracle for describeTag). */
function makefileTag(dir: string): string {
  return execFileSync(
    'make',
    ['-s', '--no-print-directory', '--eval', 'print-tag: ; @echo $(TAG)', 'print-tag'],
    {
      cwd: dir,
      encoding: 'utf8',
    },
  ).trim();
}

describe('readPkgsCheckout', () => {
  it('reads targets, nonfree targets and the package name → folder map', async () => {
    const c = await readPkgsCheckout(pkgsFixture);
    expect(c.targets).toEqual(['fhs', 'kernel', 'hailort-pkg', 'hello-pkg']);
    expect(c.nonfreeTargets).toEqual(['nonfree-hello-pkg']);
    expect(c.kres?.targets.map((t) => t.name)).toEqual(c.targets);
    expect(c.kres?.additionalTargets.nonfree?.map((t) => t.name)).toEqual(c.nonfreeTargets);
    expect(c.packages.get('hailort-pkg')?.folder).toBe('hailort');
    expect(c.packages.get('kernel')?.folder).toBe('kernel/kernel');
    expect(c.packages.get('kernel-build')?.folder).toBe('kernel/build');
    expect(c.pkgfile.vars.find((v) => v.name === 'hailort_version')?.value).toBe('4.24.0');
  });

  it('lists module packages: targets that build on kernel-build', async () => {
    const c = await readPkgsCheckout(pkgsFixture);
    expect(modulePackages(c)).toEqual(['hailort-pkg', 'hello-pkg', 'nonfree-hello-pkg']);
  });

  it('follows stage dependencies to every folder the kernel result depends on', async () => {
    const c = await readPkgsCheckout(pkgsFixture);
    expect(
      stageClosure(c, 'kernel')
        .map((e) => e.folder)
        .sort(),
    ).toEqual(['base', 'kernel/build', 'kernel/kernel', 'kernel/prepare']);
    expect(stageClosure(c, 'hailort-pkg').map((e) => e.folder)).toContain('kernel/build');
  });

  it('fails for a directory without a Makefile, and for an extensions checkout', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'not-pkgs-'));
    await expect(readPkgsCheckout(empty)).rejects.toThrow(
      /is not a siderolabs\/pkgs checkout: it has no Makefile/,
    );
    await expect(readPkgsCheckout(join(fixturesDir, 'extensions'))).rejects.toThrow(
      /looks like a siderolabs\/extensions checkout/,
    );
    await expect(readPkgsCheckout(join(empty, 'missing'))).rejects.toThrow(/does not exist/);
  });

  it('fails for a Makefile without a kernel target', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-kernel-'));
    writeFileSync(join(dir, 'Makefile'), 'TARGETS = fhs\n');
    writeFileSync(join(dir, 'Pkgfile'), 'format: v1alpha2\n');
    await expect(readPkgsCheckout(dir)).rejects.toThrow(
      /no 'TARGETS \+= kernel' line \(targets found: fhs\)/,
    );
  });
});

describe('resolvePkgsTargets', () => {
  it('puts kernel first and keeps the packages in the order given', async () => {
    const c = await readPkgsCheckout(pkgsFixture);
    expect(resolvePkgsTargets(c, ['hello-pkg', 'hailort-pkg', 'kernel'])).toEqual([
      'kernel',
      'hello-pkg',
      'hailort-pkg',
    ]);
    expect(resolvePkgsTargets(c, [])).toEqual(['kernel']);
  });

  it('fails for a folder name, pointing at the package name and listing what is available', async () => {
    const c = await readPkgsCheckout(pkgsFixture);
    expect(() => resolvePkgsTargets(c, ['hailort'])).toThrow(
      "package 'hailort' is not a target of the pkgs checkout at " +
        `${resolve(pkgsFixture)} ('hailort' is a folder; its package is named 'hailort-pkg'). ` +
        'Module packages available: hailort-pkg, hello-pkg, nonfree-hello-pkg.',
    );
    expect(() => resolvePkgsTargets(c, ['kernel-build'])).toThrow(/not in the Makefile's TARGETS/);
  });
});

describe('pkg.yaml readers', () => {
  const text = [
    'name: "kernel-build"',
    'dependencies:',
    '  - stage: kernel-prepare',
    '  # - stage: commented-out',
    '  - image: "{{ .LLVM_IMAGE }}:{{ .TOOLS_REV }}"',
    '  {{ if .BUILD_ARG_X }}',
    '  - stage: conditional',
    '  {{ end }}',
    'steps:',
    '  - env:',
    '      ARCH: {{ if eq .ARCH "aarch64"}}arm64{{ else }}x86{{ end }}',
  ].join('\n');

  it('reads the name, stage and image dependencies from template text that is not YAML', () => {
    expect(readPkgYamlName(text)).toBe('kernel-build');
    expect(readPkgYamlStages(text)).toEqual(['kernel-prepare', 'conditional']);
    expect(readPkgYamlImages(text)).toEqual([
      {
        line: 5,
        text: '  - image: "{{ .LLVM_IMAGE }}:{{ .TOOLS_REV }}"',
        image: '{{ .LLVM_IMAGE }}:{{ .TOOLS_REV }}',
        quote: '"',
      },
    ]);
  });
});

describe('parseKresTargets', () => {
  it('returns targets with their lines and ignores other documents', () => {
    const k = parseKresTargets(
      '---\nkind: auto.CustomSteps\nspec: {}\n---\nkind: pkgfile.Build\nspec:\n  targets:\n    # c\n    - kernel\n    - hailort-pkg\n',
    );
    expect(k?.targets).toEqual([
      { name: 'kernel', line: 9 },
      { name: 'hailort-pkg', line: 10 },
    ]);
    expect(parseKresTargets('kind: other\n')).toBeUndefined();
  });
});

describe('describeTag', () => {
  it('equals the Makefile TAG: short SHA without tags, v-tags, -N-gSHA, -dirty', async () => {
    const repo = createFixtureRepo('pkgs');
    repos.push(repo);
    const sha = repo.git('rev-parse', '--short', 'HEAD');
    expect(await describeTag(repo.dir, spawnExec)).toBe(sha);
    expect(makefileTag(repo.dir)).toBe(sha);

    repo.git('tag', 'release-1');
    expect(await describeTag(repo.dir, spawnExec)).toBe(sha);

    repo.git('tag', 'v1.11.0');
    expect(await describeTag(repo.dir, spawnExec)).toBe('v1.11.0');

    const next = repo.commit('a change');
    expect(await describeTag(repo.dir, spawnExec)).toBe(`v1.11.0-1-g${next}`);

    appendFileSync(join(repo.dir, 'Pkgfile'), '\n');
    const dirty = await describeTag(repo.dir, spawnExec);
    expect(dirty).toBe(`v1.11.0-1-g${next}-dirty`);
    expect(makefileTag(repo.dir)).toBe(dirty);
  });

  it('fails with a UserError outside a git checkout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-git-'));
    await expect(describeTag(dir, spawnExec)).rejects.toThrow(/must be a git checkout/);
  });
});

describe('workingTreeHashes', () => {
  it('equals the committed tree ids and follows uncommitted changes of that folder only', async () => {
    const repo = createFixtureRepo('pkgs');
    repos.push(repo);
    const paths = ['hailort', 'kernel', 'Pkgfile', 'absent'];
    const clean = await workingTreeHashes(repo.dir, paths, spawnExec);
    expect(clean.hailort).toBe(repo.git('rev-parse', 'HEAD:hailort'));
    expect(clean.Pkgfile).toBe(repo.git('rev-parse', 'HEAD:Pkgfile'));
    expect(clean.absent).toBe('missing');

    writeFileSync(join(repo.dir, 'hello', 'src', 'extra.c'), '/* new */\n');
    appendFileSync(join(repo.dir, 'hailort', 'src', 'hailo_pci.c'), '/* edit */\n');
    const edited = await workingTreeHashes(repo.dir, paths, spawnExec);
    expect(edited.hailort).not.toBe(clean.hailort);
    expect(edited.kernel).toBe(clean.kernel);
    expect(edited.Pkgfile).toBe(clean.Pkgfile);
    expect(repo.git('status', '--porcelain', '--', 'hailort')).toContain('hailo_pci.c');
  });
});
