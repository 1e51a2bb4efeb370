import { afterEach, describe, expect, it } from '@jest/globals';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkModuleWiring, formatGap, type WiringReport } from '@talos-kmod/talos';
import { copyToTemp, testdata } from '../scaffold/golden-support';

// The scaffold golden outputs are fully wired checkouts; each test breaks one piece of a copy.
const wired = join(testdata, 'main-branch', 'out', 'tree');
const plainWired = join(testdata, 'release-1.10', 'out', 'tree');
const temps: string[] = [];

function copy(src = wired): { pkgs: string; extensions: string } {
  const dir = copyToTemp(src, 'wiring-');
  temps.push(dir);
  return { pkgs: join(dir, 'pkgs'), extensions: join(dir, 'extensions') };
}

function edit(path: string, from: string | RegExp, to: string): void {
  const text = readFileSync(path, 'utf8');
  const out = text.replace(from, to);
  if (out === text) throw new Error(`test edit did not apply to ${path}`);
  writeFileSync(path, out);
}

function ids(r: WiringReport): string[] {
  return r.gaps.map((g) => g.id);
}

afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('checkModuleWiring', () => {
  it('finds no gap in checkouts that new-module wired (template and plain manifest branches)', async () => {
    for (const [src, module] of [
      [wired, 'fpga-accel'],
      [plainWired, 'aic8800'],
    ] as const) {
      const r = await checkModuleWiring({
        module,
        pkgsDir: join(src, 'pkgs'),
        extensionsDir: join(src, 'extensions'),
        talosVersion: 'v1.11.2',
      });
      expect(r.gaps).toEqual([]);
      expect(r.passed.join('\n')).toContain('renders to a manifest the extension rules accept');
      expect(r.passed.join('\n')).toMatch(/_VERSION equals the pkgs \w+_version/);
    }
  });

  it('reports every piece of a module that is not wired at all, one file each', async () => {
    const { pkgs, extensions } = copy(join(testdata, 'main-branch', 'in'));
    const r = await checkModuleWiring({
      module: 'fpga-accel',
      pkgsDir: pkgs,
      extensionsDir: extensions,
    });
    expect(ids(r).sort()).toEqual(
      [
        'pkgs.package',
        'pkgs.makefile-target',
        'pkgs.kres-target',
        'pkgs.pkgfile-version',
        'pkgs.pkgfile-sha256',
        'pkgs.pkgfile-sha512',
        'extensions.makefile-target',
        'extensions.kres-target',
        'extensions.pkgfile-version',
        'extensions.package',
      ].sort(),
    );
    const lines = r.gaps.map(formatGap);
    expect(lines).toContain(
      "pkgs/Makefile:35: 'fpga-accel-pkg' is not in TARGETS: add 'TARGETS += fpga-accel-pkg' after 'TARGETS += kernel', in alphabetical order among the module packages",
    );
    expect(lines.find((l) => l.startsWith('pkgs/fpga-accel/pkg.yaml: '))).toContain(
      "no pkg.yaml has 'name: fpga-accel-pkg'",
    );
    expect(
      lines.find((l) => l.startsWith('extensions/drivers/fpga-accel/pkg.yaml: ')),
    ).toBeDefined();
  });

  it('reports a missing Makefile target, .kres.yaml target and sha512 with the file to change', async () => {
    const { pkgs, extensions } = copy();
    edit(join(pkgs, 'Makefile'), 'TARGETS += fpga-accel-pkg\n', '');
    edit(join(pkgs, '.kres.yaml'), '    - fpga-accel-pkg\n', '');
    edit(join(pkgs, 'Pkgfile'), / {2}fpga_accel_sha512: .*\n/, '');
    edit(join(extensions, '.kres.yaml'), '    - fpga-accel\n', '');
    const r = await checkModuleWiring({
      module: 'fpga-accel',
      pkgsDir: pkgs,
      extensionsDir: extensions,
    });
    expect(r.gaps.map((g) => [g.id, g.repo, g.file])).toEqual([
      ['pkgs.makefile-target', 'pkgs', 'Makefile'],
      ['pkgs.kres-target', 'pkgs', '.kres.yaml'],
      ['pkgs.pkgfile-sha512', 'pkgs', 'Pkgfile'],
      ['extensions.kres-target', 'extensions', '.kres.yaml'],
    ]);
  });

  it('reports a pkgs version that differs from the extensions twin, naming both values', async () => {
    const { pkgs, extensions } = copy();
    edit(join(extensions, 'Pkgfile'), 'FPGA_ACCEL_VERSION: 2.3.1', 'FPGA_ACCEL_VERSION: 2.2.0');
    const r = await checkModuleWiring({
      module: 'fpga-accel',
      pkgsDir: pkgs,
      extensionsDir: extensions,
    });
    expect(ids(r)).toEqual(['extensions.version-mismatch']);
    expect(formatGap(r.gaps[0]!)).toMatch(
      /^extensions\/Pkgfile:12: FPGA_ACCEL_VERSION is 2\.2\.0 but pkgs fpga_accel_version is 2\.3\.1: set FPGA_ACCEL_VERSION to 2\.3\.1/,
    );
  });

  it('reports a block without its Renovate comment and a malformed checksum', async () => {
    const { pkgs } = copy();
    edit(join(pkgs, 'Pkgfile'), / {2}# renovate: [^\n]*acme-fpga[^\n]*\n/, '');
    edit(join(pkgs, 'Pkgfile'), /fpga_accel_sha256: \w+/, 'fpga_accel_sha256: TODO');
    const r = await checkModuleWiring({ module: 'fpga-accel', pkgsDir: pkgs });
    expect(ids(r)).toEqual(['pkgs.pkgfile-renovate', 'pkgs.pkgfile-sha256']);
    expect(r.skipped).toContain('extensions: no extensions checkout given');
  });

  it('reports an extension that does not pull the module package', async () => {
    const { pkgs, extensions } = copy();
    edit(join(extensions, 'drivers/fpga-accel/pkg.yaml'), '/fpga-accel-pkg:', '/drbd-pkg:');
    const r = await checkModuleWiring({
      module: 'fpga-accel',
      pkgsDir: pkgs,
      extensionsDir: extensions,
    });
    expect(ids(r)).toEqual(['extensions.pulls-package']);
    expect(r.gaps[0]?.message).toContain('(it pulls drbd-pkg)');
  });

  it('reports a manifest the extension rules refuse: wrong name, bad range, Talos out of range', async () => {
    const { pkgs, extensions } = copy();
    const manifest = join(extensions, 'drivers/fpga-accel/manifest.yaml.tmpl');
    edit(manifest, 'name: fpga-accel', 'name: fpga');
    let r = await checkModuleWiring({
      module: 'fpga-accel',
      pkgsDir: pkgs,
      extensionsDir: extensions,
    });
    expect(ids(r)).toEqual(['extensions.manifest.name']);
    expect(r.gaps[0]?.file).toBe('drivers/fpga-accel/manifest.yaml.tmpl');
    edit(manifest, 'name: fpga', 'name: fpga-accel');
    r = await checkModuleWiring({
      module: 'fpga-accel',
      pkgsDir: pkgs,
      extensionsDir: extensions,
      talosVersion: 'v1.9.5',
    });
    expect(ids(r)).toEqual(['extensions.manifest.compatibility']);
    edit(manifest, '">= v1.10.0"', '"^1.10"');
    r = await checkModuleWiring({ module: 'fpga-accel', extensionsDir: extensions });
    expect(ids(r)).toEqual(['extensions.manifest.compatibility']);
  });

  it('reports a version the extensions-validator refuses through the rendered VERSION', async () => {
    const { pkgs, extensions } = copy();
    edit(join(pkgs, 'Pkgfile'), 'fpga_accel_version: 2.3.1', 'fpga_accel_version: release_2');
    edit(join(extensions, 'Pkgfile'), 'FPGA_ACCEL_VERSION: 2.3.1', 'FPGA_ACCEL_VERSION: release_2');
    const r = await checkModuleWiring({
      module: 'fpga-accel',
      pkgsDir: pkgs,
      extensionsDir: extensions,
    });
    expect(ids(r)).toEqual(['extensions.manifest.version-format']);
  });

  it('fails with UserError for a bad module name and for swapped checkouts', async () => {
    const { pkgs, extensions } = copy();
    await expect(checkModuleWiring({ module: 'Bad_Name', pkgsDir: pkgs })).rejects.toThrow(
      /module name 'Bad_Name' is not a valid package name/,
    );
    await expect(checkModuleWiring({ module: 'fpga-accel', pkgsDir: extensions })).rejects.toThrow(
      /looks like a siderolabs\/extensions checkout/,
    );
    await expect(checkModuleWiring({ module: 'fpga-accel', extensionsDir: pkgs })).rejects.toThrow(
      /is not a siderolabs\/extensions checkout/,
    );
    await expect(checkModuleWiring({ module: 'fpga-accel' })).rejects.toThrow(
      /give a pkgs checkout/,
    );
  });
});

describe('checkModuleWiring on upstream-style modules', () => {
  it('finds the twin version through VERSION and skips a VERSION with a hard-coded ref', async () => {
    const { pkgs, extensions } = copy(join(testdata, 'main-branch', 'in'));
    const drbd = await checkModuleWiring({
      module: 'drbd',
      pkgsDir: pkgs,
      extensionsDir: extensions,
    });
    expect(drbd.gaps).toEqual([]);
    expect(drbd.passed).toContain(
      'extensions: DRBD_DRIVER_VERSION equals the pkgs drbd_version (9.3.3)',
    );
    const gasket = await checkModuleWiring({
      module: 'gasket-driver',
      pkgsDir: pkgs,
      extensionsDir: extensions,
    });
    expect(gasket.gaps.map((g) => g.id)).toEqual(['pkgs.package']);
    expect(gasket.skipped.join('\n')).toContain('built from no Pkgfile var');
  });

  // Upstream's amazon-ena extension ships ena-pkg, whose vars are ena_*: names that do not follow
  // <name> ↔ <name>-pkg. The same shape, made from the wired fixture by renaming the extension.
  function renameExtension(extensions: string, to: string): void {
    edit(join(extensions, 'drivers/fpga-accel/pkg.yaml'), 'name: fpga-accel', `name: ${to}`);
    edit(
      join(extensions, 'drivers/fpga-accel/manifest.yaml.tmpl'),
      'name: fpga-accel',
      `name: ${to}`,
    );
    edit(join(extensions, 'Makefile'), 'TARGETS += fpga-accel\n', `TARGETS += ${to}\n`);
    edit(join(extensions, '.kres.yaml'), '    - fpga-accel\n', `    - ${to}\n`);
  }

  it('discovers the package an extension pulls when it is not <name>-pkg (amazon-ena → ena-pkg)', async () => {
    const { pkgs, extensions } = copy();
    renameExtension(extensions, 'amazon-fpga');
    for (const module of ['amazon-fpga', 'fpga-accel']) {
      const r = await checkModuleWiring({ module, pkgsDir: pkgs, extensionsDir: extensions });
      expect({ module, gaps: r.gaps }).toEqual({ module, gaps: [] });
      expect(r.module).toBe('amazon-fpga');
      expect(r.packageName).toBe('fpga-accel-pkg');
      expect(r.passed).toContain(
        'extensions: FPGA_ACCEL_VERSION equals the pkgs fpga_accel_version (2.3.1)',
      );
    }
  });

  it('discovers the pkgs var prefix from the package pkg.yaml, and takes overrides', async () => {
    const { pkgs, extensions } = copy();
    edit(join(pkgs, 'Pkgfile'), /fpga_accel_/g, 'fpgax_');
    edit(join(pkgs, 'fpga-accel/pkg.yaml'), /\.fpga_accel_/g, '.fpgax_');
    const found = await checkModuleWiring({
      module: 'fpga-accel',
      pkgsDir: pkgs,
      extensionsDir: extensions,
    });
    expect(found.gaps).toEqual([]);
    expect(found.passed).toContain('names: pkgs vars fpgax_* (used by fpga-accel/pkg.yaml)');
    // A wrong override is honoured, and its gaps name the given names.
    const given = await checkModuleWiring({
      module: 'fpga-accel',
      pkgsDir: pkgs,
      extensionsDir: extensions,
      names: { pkgsVarPrefix: 'nope', extensionsVersionVar: 'NOPE_VERSION' },
    });
    expect(given.gaps.map((g) => g.message).join('\n')).toContain('vars has no nope_version');
    expect(given.gaps.map((g) => g.message).join('\n')).toContain('vars has no NOPE_VERSION');
  });
});
