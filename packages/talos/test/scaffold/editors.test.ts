import { describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addKresTarget,
  addMakefileTarget,
  applyFileChanges,
  planExtensionsScaffold,
  planPkgsScaffold,
  resolveModuleDefinition,
  unifiedDiff,
  upsertExtensionsVersionVar,
  upsertPkgsVarsBlock,
  type ModuleSpec,
} from '@talos-kmod/talos';
import { caseSpec, copyToTemp, testdata } from './golden-support';

const spec: ModuleSpec = {
  ...resolveModuleDefinition({
    name: 'widget',
    source: 'https://github.com/acme/widget/archive/refs/tags/v{version}.tar.gz',
    version: '1.2.3',
    description: 'Widget driver',
    author: 'Acme',
  }),
  sha256: 'a'.repeat(64),
  sha512: 'b'.repeat(128),
};

describe('addMakefileTarget', () => {
  const makefile =
    'X := 1\nTARGETS = alpha\nTARGETS += kernel\nTARGETS += zeta-pkg\n\nall: $(TARGETS)\n';

  it('puts a module package right after kernel when it sorts first', () => {
    expect(addMakefileTarget(makefile, 'widget-pkg', 'after-kernel')).toBe(
      'X := 1\nTARGETS = alpha\nTARGETS += kernel\nTARGETS += widget-pkg\nTARGETS += zeta-pkg\n\nall: $(TARGETS)\n',
    );
  });

  it('keeps CRLF line endings and a missing final newline', () => {
    const crlf = 'TARGETS = a\r\nTARGETS += kernel\r\nNONFREE_TARGETS = n';
    expect(addMakefileTarget(crlf, 'b-pkg', 'after-kernel')).toBe(
      'TARGETS = a\r\nTARGETS += kernel\r\nTARGETS += b-pkg\r\nNONFREE_TARGETS = n',
    );
  });

  it('leaves a target that is already listed, also as a nonfree target', () => {
    expect(addMakefileTarget(makefile, 'zeta-pkg', 'after-kernel')).toBe(makefile);
    const nonfree = `${makefile}NONFREE_TARGETS = widget-pkg\n`;
    expect(addMakefileTarget(nonfree, 'widget-pkg', 'after-kernel')).toBe(nonfree);
  });

  it('fails with the file name when there is no kernel target or no TARGETS at all', () => {
    expect(() =>
      addMakefileTarget('TARGETS = a\n', 'w-pkg', 'after-kernel', 'pkgs/Makefile'),
    ).toThrow("pkgs/Makefile has no 'TARGETS += kernel' line");
    expect(() => addMakefileTarget('all:\n\techo\n', 'w', 'alphabetical')).toThrow(
      "has no 'TARGETS = …' lines",
    );
  });
});

describe('addKresTarget', () => {
  it('copies the list indentation and keeps comments in place', () => {
    const kres =
      '---\nkind: pkgfile.Build\nspec:\n    targets:\n      # kernel first\n      - kernel\n      - zeta-pkg\n';
    expect(addKresTarget(kres, 'widget-pkg', 'after-kernel')).toBe(
      '---\nkind: pkgfile.Build\nspec:\n    targets:\n      # kernel first\n      - kernel\n      - widget-pkg\n      - zeta-pkg\n',
    );
  });

  it('refuses a flow-style list instead of rewriting it', () => {
    const kres = 'kind: pkgfile.Build\nspec:\n  targets: [kernel, a-pkg]\n';
    expect(() => addKresTarget(kres, 'widget-pkg', 'after-kernel')).toThrow(
      "add '- widget-pkg' by hand",
    );
  });

  it('fails when the file has no pkgfile.Build targets', () => {
    expect(() => addKresTarget('kind: auto.CustomSteps\n', 'x', 'alphabetical')).toThrow(
      'has no pkgfile.Build document',
    );
  });
});

describe('upsertPkgsVarsBlock', () => {
  const pkgfile =
    'format: v1alpha2\n\nvars:\n  # renovate: datasource=github-tags depName=acme/widget\n  widget_version: 1.0.0\n  widget_sha256: c\n  widget_sha512: d\n\nlabels: {}\n';

  it('reports differing values as conflicts and changes nothing', () => {
    const r = upsertPkgsVarsBlock(pkgfile, spec);
    expect(r.text).toBe(pkgfile);
    expect(r.conflicts.map((c) => [c.what, c.line, c.wanted])).toEqual([
      ['widget_version is 1.0.0', 5, '1.2.3'],
      ['widget_sha256 is c', 6, 'a'.repeat(64)],
      ['widget_sha512 is d', 7, 'b'.repeat(128)],
    ]);
  });

  it('replaces only the values with force, keeping the lines around them', () => {
    const r = upsertPkgsVarsBlock(pkgfile.replace('1.0.0', '1.0.0 # pinned'), spec, {
      force: true,
    });
    expect(r.conflicts).toEqual([]);
    expect(r.text).toBe(
      `format: v1alpha2\n\nvars:\n  # renovate: datasource=github-tags depName=acme/widget\n  widget_version: 1.2.3 # pinned\n  widget_sha256: ${'a'.repeat(64)}\n  widget_sha512: ${'b'.repeat(128)}\n\nlabels: {}\n`,
    );
  });

  it('starts the first block under vars: when the section has only plain vars', () => {
    const r = upsertPkgsVarsBlock('vars:\n  TOOLS_REV: v1\n\nlabels: {}\n', spec);
    expect(r.text).toBe(
      `vars:\n  TOOLS_REV: v1\n\n  # renovate: datasource=github-tags extractVersion=^v(?<version>.*)$ depName=acme/widget\n  widget_version: 1.2.3\n  widget_sha256: ${'a'.repeat(64)}\n  widget_sha512: ${'b'.repeat(128)}\n\nlabels: {}\n`,
    );
  });

  it('quotes a version YAML would read as a number', () => {
    const r = upsertPkgsVarsBlock('vars:\n  A: b\n', { ...spec, version: '20250410' });
    expect(r.text).toContain('  widget_version: "20250410"\n');
  });

  it('fails on a file without vars:', () => {
    expect(() => upsertPkgsVarsBlock('format: v1alpha2\n', spec)).toThrow("has no 'vars:' section");
  });
});

describe('upsertExtensionsVersionVar', () => {
  it('starts a plain group right under vars: when the file has only Renovate blocks', () => {
    const text =
      'vars:\n  # renovate: datasource=github-tags depName=madler/zlib\n  ZLIB_VERSION: 1.3.1\n\nlabels: {}\n';
    expect(upsertExtensionsVersionVar(text, spec).text).toBe(
      'vars:\n  WIDGET_VERSION: 1.2.3 # update this when updating PKGS version tag in Makefile\n\n  # renovate: datasource=github-tags depName=madler/zlib\n  ZLIB_VERSION: 1.3.1\n\nlabels: {}\n',
    );
  });

  it('reports a different existing value, and sets it with force', () => {
    const text = 'vars:\n  WIDGET_VERSION: "1.0" # keep\n';
    expect(upsertExtensionsVersionVar(text, spec).conflicts[0]?.what).toBe('WIDGET_VERSION is 1.0');
    expect(upsertExtensionsVersionVar(text, spec, { force: true }).text).toBe(
      'vars:\n  WIDGET_VERSION: 1.2.3 # keep\n',
    );
  });
});

describe('unifiedDiff', () => {
  it('is empty for an unchanged file and marks a missing final newline', () => {
    expect(unifiedDiff({ path: 'a', before: 'x\n', after: 'x\n' })).toBe('');
    expect(unifiedDiff({ path: 'a', before: 'x', after: 'x\ny\n' })).toBe(
      'diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1,1 +1,2 @@\n-x\n\\ No newline at end of file\n+x\n+y\n',
    );
  });
});

describe('planning against existing files', () => {
  it('reports a generated file that differs as a conflict, writes nothing, and overwrites it with force', async () => {
    const work = copyToTemp(join(testdata, 'main-branch', 'out', 'tree'));
    try {
      const s = caseSpec('main-branch');
      const readme = join(work, 'extensions/drivers/fpga-accel/README.md');
      writeFileSync(readme, '# my own words\n');
      const plan = await planExtensionsScaffold(join(work, 'extensions'), s);
      expect(plan.conflicts.map((c) => c.message)).toEqual([
        'drivers/fpga-accel/README.md exists and differs from what new-module writes: keep it, or pass --force to overwrite it',
      ]);
      expect(plan.files.every((f) => f.before === f.after)).toBe(true);
      const forced = await planExtensionsScaffold(join(work, 'extensions'), s, { force: true });
      expect(forced.conflicts).toEqual([]);
      await applyFileChanges(forced.files);
      expect(readFileSync(readme, 'utf8')).toBe(
        readFileSync(
          join(testdata, 'main-branch/out/tree/extensions/drivers/fpga-accel/README.md'),
          'utf8',
        ),
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('does not define a package twice when it already lives in another folder', async () => {
    const work = copyToTemp(join(testdata, 'main-branch', 'in'));
    try {
      const s = {
        ...caseSpec('main-branch'),
        name: 'ena',
        packageName: 'ena-pkg',
        pkgsVarPrefix: 'ena',
      };
      const plan = await planPkgsScaffold(join(work, 'pkgs'), s);
      expect(plan.notes).toContain(
        'ena-pkg is already defined in ena-pkg/pkg.yaml: left as it is, ena/pkg.yaml not written',
      );
      expect(plan.files.map((f) => f.path)).not.toContain('ena/pkg.yaml');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('refuses checkouts that are not pkgs/extensions, or predate the /usr/lib layout', async () => {
    const work = copyToTemp(join(testdata, 'main-branch', 'in'));
    try {
      const s = caseSpec('main-branch');
      await expect(planPkgsScaffold(join(work, 'extensions'), s)).rejects.toThrow(
        'looks like a siderolabs/extensions checkout',
      );
      await expect(planExtensionsScaffold(join(work, 'pkgs'), s)).rejects.toThrow(
        'is not a siderolabs/extensions checkout',
      );
      const empty = join(work, 'empty');
      mkdirSync(empty);
      await expect(planPkgsScaffold(empty, s)).rejects.toThrow('it has no Makefile');
      rmSync(join(work, 'pkgs/base'), { recursive: true });
      await expect(planPkgsScaffold(join(work, 'pkgs'), s)).rejects.toThrow(
        "has no 'base' or 'kernel-build' package",
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
