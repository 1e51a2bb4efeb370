import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  extensionVersion,
  findPkgsImageLines,
  pinPkgsImageLine,
  readExtensionsCheckout,
  renderSimpleTemplate,
  repositoryBaseName,
  resolveExtension,
  withPinnedPkgsImage,
} from '@talos-kmod/talos';
import { fixturesDir } from '../../../../test/support/fixture-repos';
import { updateGolden } from '../../../../test/support/golden';

const extFixture = join(fixturesDir, 'extensions');
const testdata = join(import.meta.dirname, 'testdata');
const pinned =
  '127.0.0.1:5005/michael-robbins/hailort-pkg:a358137@sha256:54c090fccbf9bbd29a68e219b57cdf40784249fd2d2bf588f797d3729e242999';

describe('readExtensionsCheckout / resolveExtension', () => {
  it('reads targets and the Makefile defaults of the build args', async () => {
    const c = await readExtensionsCheckout(extFixture);
    expect(c.targets).toEqual(['fixture-uinput', 'hailort', 'hello']);
    expect(c.defaults).toEqual({
      PKGS: 'v1.15.0-alpha.0-7-gb914c26',
      PKGS_PREFIX: 'ghcr.io/siderolabs',
      TOOLS: 'v1.15.0-alpha.0-2-gd102f15',
      TOOLS_PREFIX: 'ghcr.io/siderolabs',
    });
  });

  it('maps an extension to its folder and detects the manifest form', async () => {
    const c = await readExtensionsCheckout(extFixture);
    expect(await resolveExtension(c, 'hailort')).toMatchObject({
      folder: 'drivers/hailort',
      manifest: 'manifest.yaml.tmpl',
    });
    expect(await resolveExtension(c, 'hello')).toMatchObject({ manifest: 'manifest.yaml' });
  });

  it('fails for an unknown extension listing the available ones', async () => {
    const c = await readExtensionsCheckout(extFixture);
    await expect(resolveExtension(c, 'hailort-pkg')).rejects.toThrow(
      /extension 'hailort-pkg' is not a target .*Extensions available: fixture-uinput, hailort, hello/,
    );
    await expect(resolveExtension(c, 'base')).rejects.toThrow(
      /has a pkg.yaml \(internal\/base\) but is not in the Makefile's TARGETS/,
    );
  });

  it('refuses a pkgs checkout', async () => {
    await expect(readExtensionsCheckout(join(fixturesDir, 'pkgs'))).rejects.toThrow(
      /is not a siderolabs\/extensions checkout: its Makefile has no PKGS_PREFIX variable \(it looks like a pkgs checkout/,
    );
  });
});

describe('findPkgsImageLines', () => {
  it('finds the lines that pull from PKGS_PREFIX at PKGS, with or without quotes and trim markers', () => {
    const crlf = readFileSync(join(testdata, 'crlf-pkg.yaml.in'), 'utf8');
    expect(findPkgsImageLines(crlf).map((l) => [l.pkg, l.line])).toEqual([
      ['kernel', 5],
      ['hailort-pkg', 6],
    ]);
    const unquoted = readFileSync(join(testdata, 'unquoted-pkg.yaml.in'), 'utf8');
    expect(findPkgsImageLines(unquoted).map((l) => l.pkg)).toEqual(['gasket-driver-pkg']);
  });
});

describe('pinPkgsImageLine', () => {
  it('changes exactly one line and keeps every other byte (golden files)', () => {
    const cases = readdirSync(testdata).filter((f) => f.endsWith('.in'));
    for (const c of cases) {
      const input = readFileSync(join(testdata, c), 'utf8');
      const pkg = findPkgsImageLines(input).at(-1)?.pkg ?? '';
      const { text } = pinPkgsImageLine(input, pkg, pinned.replace('hailort-pkg', pkg));
      const golden = join(testdata, c.replace(/\.in$/, '.out'));
      if (updateGolden()) writeFileSync(golden, text);
      expect(text).toBe(readFileSync(golden, 'utf8'));
      const a = input.split('\n');
      const b = text.split('\n');
      expect(b.length).toBe(a.length);
      expect(a.filter((l, i) => l !== b[i])).toHaveLength(1);
    }
  });

  it('keeps a trailing comment and CRLF line endings', () => {
    const input = readFileSync(join(testdata, 'crlf-pkg.yaml.in'), 'utf8');
    const { text, line } = pinPkgsImageLine(input, 'hailort-pkg', pinned);
    expect(line).toBe(6);
    expect(text.split('\r\n')[5]).toBe(`  - image: "${pinned}" # the module`);
    expect(text.endsWith('steps: []')).toBe(true);
  });

  it('fails naming the images the extension pulls when the package is not one of them', () => {
    const input = readFileSync(join(testdata, 'hailort-pkg.yaml.in'), 'utf8');
    expect(() => pinPkgsImageLine(input, 'zfs-pkg', pinned, 'drivers/hailort/pkg.yaml')).toThrow(
      'drivers/hailort/pkg.yaml has no \'- image: "{{ .BUILD_ARG_PKGS_PREFIX }}/zfs-pkg:{{ .BUILD_ARG_PKGS }}"\' line to pin: ' +
        'it pulls {{ .BUILD_ARG_PKGS_PREFIX }}/hailort-pkg:{{ .BUILD_ARG_PKGS }}.',
    );
  });
});

describe('withPinnedPkgsImage', () => {
  const copy = () => {
    const dir = mkdtempSync(join(tmpdir(), 'pin-'));
    const path = join(dir, 'pkg.yaml');
    copyFileSync(join(testdata, 'crlf-pkg.yaml.in'), path);
    return path;
  };

  it('shows the pinned line during the callback and restores the bytes afterwards', async () => {
    const path = copy();
    const before = readFileSync(path);
    const seen = await withPinnedPkgsImage(path, 'hailort-pkg', pinned, async () =>
      readFileSync(path, 'utf8'),
    );
    expect(seen).toContain(pinned);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('restores the file when the callback throws, and rethrows', async () => {
    const path = copy();
    const before = readFileSync(path);
    await expect(
      withPinnedPkgsImage(path, 'hailort-pkg', pinned, async () => {
        throw new Error('make failed');
      }),
    ).rejects.toThrow('make failed');
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('leaves the file untouched when there is nothing to pin', async () => {
    const path = copy();
    const before = readFileSync(path);
    await expect(withPinnedPkgsImage(path, 'zfs-pkg', pinned, async () => 1)).rejects.toThrow(
      /no '- image/,
    );
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});

describe('extensionVersion', () => {
  it('renders VERSION from the Pkgfile vars (hailort: {{ .HAILORT_VERSION }})', async () => {
    const c = await readExtensionsCheckout(extFixture);
    expect(await extensionVersion(c, 'drivers/hailort', { TAG: 'v1.11.0' })).toEqual({
      version: '4.24.0',
      source: 'drivers/hailort/vars.yaml',
    });
  });

  it('appends the build arg TAG where vars.yaml uses {{ .BUILD_ARG_TAG }}', async () => {
    const c = await readExtensionsCheckout(extFixture);
    expect(
      (await extensionVersion(c, 'drivers/hello', { TAG: 'v1.11.0-3-gabc1234' })).version,
    ).toBe('1.2.0-v1.11.0-3-gabc1234');
  });

  it('reports a VERSION that needs template functions as unresolved', async () => {
    const c = await readExtensionsCheckout(extFixture);
    const v = await extensionVersion(c, 'drivers/fixture-uinput', { TAG: 't' });
    expect(v.version).toBeUndefined();
    expect(v).toMatchObject({ reason: expect.stringContaining('replace "-" "."') });
  });
});

describe('renderSimpleTemplate / repositoryBaseName', () => {
  it('renders {{ .NAME }} forms and lists everything else', () => {
    expect(renderSimpleTemplate('{{ .A }}-{{.B}}', { A: '1', B: '2' })).toEqual({
      text: '1-2',
      unresolved: [],
    });
    expect(renderSimpleTemplate('{{ .MISSING }}', {}).unresolved).toEqual(['{{ .MISSING }}']);
    expect(renderSimpleTemplate('{{ if .X }}y{{ end }}', { X: '1' }).unresolved).toHaveLength(2);
  });

  it('takes the repository name from any reference form', () => {
    expect(repositoryBaseName(pinned)).toBe('hailort-pkg');
    expect(repositoryBaseName('localhost:5000/kernel')).toBe('kernel');
  });
});
