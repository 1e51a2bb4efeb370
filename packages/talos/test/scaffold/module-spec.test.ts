import { describe, expect, it } from '@jest/globals';
import {
  assertChecksum,
  deriveExtractVersion,
  resolveModuleDefinition,
  sourceUrlFor,
  type NewModuleInput,
} from '@talos-kmod/talos';

const base: NewModuleInput = {
  name: 'hailort',
  source: 'https://github.com/hailo-ai/hailort-drivers/archive/refs/tags/v{version}.tar.gz',
  version: '4.24.0',
  description: 'Driver for HailoRT',
  author: 'hailo.ai team',
};

describe('resolveModuleDefinition', () => {
  it('derives the package, var names, Renovate fields and defaults', () => {
    const d = resolveModuleDefinition({ ...base, name: 'gasket-driver' });
    expect(d).toMatchObject({
      packageName: 'gasket-driver-pkg',
      pkgsVarPrefix: 'gasket_driver',
      extensionsVersionVar: 'GASKET_DRIVER_VERSION',
      buildDir: '.',
      installDir: 'extras',
      firmwareDir: 'gasket-driver',
      tier: 'contrib',
      talosVersion: '>= v1.10.0',
      renovate: {
        datasource: 'github-tags',
        depName: 'hailo-ai/hailort-drivers',
        extractVersion: '^v(?<version>.*)$',
      },
    });
    expect(sourceUrlFor(d)).toBe(
      'https://github.com/hailo-ai/hailort-drivers/archive/refs/tags/v4.24.0.tar.gz',
    );
  });

  it.each([
    ['Hailort', 'is not a valid package name'],
    ['hailo_rt', 'is not a valid package name'],
    ['-hailort', 'is not a valid package name'],
    ['hailort-', 'is not a valid package name'],
    ['hailo--rt', 'is not a valid package name'],
    ['9p', 'is not a valid package name'],
    ['hailo rt', 'is not a valid package name'],
    ['', 'is not a valid package name'],
    ['hailort-pkg', "ends with -pkg: give the module name ('hailort')"],
    ['kernel', 'is reserved'],
  ])('refuses the module name %j with a message that says why', (name, message) => {
    expect(() => resolveModuleDefinition({ ...base, name })).toThrow(message);
  });

  it('turns a GitHub repository URL into its tag tarball pattern', () => {
    const d = resolveModuleDefinition({ ...base, source: 'https://github.com/acme/widget.git' });
    expect(d.sourceUrl).toBe('https://github.com/acme/widget/archive/refs/tags/v{version}.tar.gz');
    expect(d.renovate.depName).toBe('acme/widget');
  });

  it.each([
    ['not a url', 'is not a URL'],
    ['ftp://example.com/x-{version}.tar.gz', 'must be an http(s) URL'],
    ['https://example.com/x.tar.gz', 'has no {version}'],
    ['https://user:pw@example.com/x-{version}.tar.gz', 'must not carry credentials'],
    ['https://example.com/x-{version}-{arch}.tar.gz', 'only {version} may use braces'],
  ])('refuses the source %j', (source, message) => {
    expect(() => resolveModuleDefinition({ ...base, source })).toThrow(message);
  });

  it('needs --dep-name for sources outside GitHub', () => {
    const source = 'https://pkg.example.org/drv/drv-{version}.tar.gz';
    expect(() => resolveModuleDefinition({ ...base, source })).toThrow(
      /give --dep-name OWNER\/REPO/,
    );
    const d = resolveModuleDefinition({ ...base, source, depName: 'example/drv' });
    expect(d.renovate).toEqual({
      datasource: 'github-tags',
      depName: 'example/drv',
      extractVersion: '^drv-(?<version>.*)$',
    });
  });

  it('picks github-releases for release assets and honours an explicit datasource', () => {
    const source =
      'https://github.com/openzfs/zfs/releases/download/zfs-{version}/zfs-{version}.tar.gz';
    expect(resolveModuleDefinition({ ...base, source }).renovate).toEqual({
      datasource: 'github-releases',
      depName: 'openzfs/zfs',
      extractVersion: '^zfs-(?<version>.*)$',
    });
    expect(
      resolveModuleDefinition({ ...base, source, datasource: 'github-tags' }).renovate.datasource,
    ).toBe('github-tags');
    expect(() => resolveModuleDefinition({ ...base, datasource: 'git-refs' })).toThrow(
      "renovate datasource 'git-refs' is not supported: use github-releases or github-tags",
    );
  });

  it.each([
    ['https://x.org/a/v{version}.tar.gz', '^v(?<version>.*)$'],
    ['https://x.org/a/ttkmd-{version}.tar.gz', '^ttkmd-(?<version>.*)$'],
    ['https://x.org/a/{version}.tar.gz', undefined],
    ['https://x.org/a/json-c-{version}-20240101.tar.gz', '^json-c-(?<version>.*)-20240101$'],
  ])('derives extractVersion from %s', (url, expected) => {
    expect(deriveExtractVersion(url)).toBe(expected);
  });

  it('accepts an empty extractVersion as none and refuses one without a version group', () => {
    expect(
      resolveModuleDefinition({ ...base, extractVersion: '' }).renovate.extractVersion,
    ).toBeUndefined();
    expect(() => resolveModuleDefinition({ ...base, extractVersion: '^v(.*)$' })).toThrow(
      '(?<version>…) group',
    );
  });

  it.each([
    ['buildDir', '../escape', 'build dir'],
    ['buildDir', '/abs', 'build dir'],
    ['installDir', 'extras/../..', 'install dir'],
  ] as const)('refuses %s %j', (field, value, what) => {
    expect(() => resolveModuleDefinition({ ...base, [field]: value })).toThrow(what);
  });

  it('refuses udev rules without .rules, duplicate file names, bad tiers and ranges', () => {
    expect(() => resolveModuleDefinition({ ...base, udevRules: ['x/51-hailo.conf'] })).toThrow(
      'must end with .rules',
    );
    expect(() => resolveModuleDefinition({ ...base, firmware: ['a/fw.bin', 'b/fw.bin'] })).toThrow(
      "two firmware files are named 'fw.bin'",
    );
    expect(() => resolveModuleDefinition({ ...base, tier: 'gold' })).toThrow(
      "tier 'gold' is not one of core, extra, contrib, deprecated",
    );
    expect(() => resolveModuleDefinition({ ...base, talosVersion: 'soon' })).toThrow(
      "Talos compatibility 'soon' is not a range Talos accepts",
    );
    expect(() => resolveModuleDefinition({ ...base, version: 'v 1' })).toThrow(
      "version 'v 1' is not a version",
    );
    expect(() => resolveModuleDefinition({ ...base, author: ' ' })).toThrow('author');
    expect(() => resolveModuleDefinition({ ...base, description: '' })).toThrow('description');
  });
});

describe('assertChecksum', () => {
  it('normalises hex and refuses wrong lengths', () => {
    expect(assertChecksum('AB'.repeat(32), 'sha256')).toBe('ab'.repeat(32));
    expect(() => assertChecksum('ab'.repeat(32), 'sha512')).toThrow("--sha512 '");
    expect(() => assertChecksum('zz'.repeat(32), 'sha256')).toThrow('is not 64 hex digits');
  });
});
