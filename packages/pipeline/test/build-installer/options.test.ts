import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { validateBuildInstallerOptions, type BuildInstallerOptions } from '@talos-kmod/pipeline';

const checkout = mkdtempSync(join(tmpdir(), 'talos-checkout-'));
writeFileSync(join(checkout, 'Makefile'), 'installer-base:\n');
const pinned = (name: string) => `127.0.0.1:5005/u/${name}:v1@sha256:${'a'.repeat(64)}`;
const base: BuildInstallerOptions = {
  talosDir: checkout,
  kernelImage: pinned('kernel'),
  extensionImages: [pinned('hailort')],
  extraKernelArgs: ['console=ttyS0'],
  registry: '127.0.0.1:5005',
  username: 'Michael-Robbins',
  platforms: ['linux/amd64'],
  insecureRegistries: [],
};

describe('validateBuildInstallerOptions', () => {
  it('accepts talos-dir mode, lower-cases the username, and defaults to ttl.sh/<uuid>:1h', () => {
    const v = validateBuildInstallerOptions(base, () => 'fb357269-2a4c-478d-8ceb-0d297d70d5aa');
    expect(v.mode).toBe('talos-dir');
    expect(v.username).toBe('michael-robbins');
    expect(v.destination.toString()).toBe('ttl.sh/fb357269-2a4c-478d-8ceb-0d297d70d5aa:1h');
    expect(v.defaultDestination).toBe(true);
    expect(v.platforms).toEqual([{ platform: 'linux/amd64', arch: 'amd64' }]);
  });

  it('parses make-args and refuses a variable the talos make lines set, naming the input', () => {
    const v = validateBuildInstallerOptions({ ...base, makeArgs: ['PROGRESS=plain'] });
    expect(v.makeArgs).toEqual([{ name: 'PROGRESS', value: 'plain' }]);
    expect(() => validateBuildInstallerOptions({ ...base, makeArgs: ['PKG_KERNEL=x'] })).toThrow(
      "make-args entry 'PKG_KERNEL=x' sets PKG_KERNEL, which this step sets itself: use the 'kernel-image' input instead",
    );
  });

  it('resolves a relative talos-dir and out-dir to absolute paths (they become docker volume paths)', () => {
    const v = validateBuildInstallerOptions({
      ...base,
      talosDir: relative(process.cwd(), checkout),
      outDir: 'out',
    });
    expect(v.talosDir).toBe(checkout);
    expect(v.outDir).toBe(join(process.cwd(), 'out'));
  });

  it('refuses a talos-dir without a Makefile, naming the input', () => {
    expect(() => validateBuildInstallerOptions({ ...base, talosDir: tmpdir() })).toThrow(
      /input 'talos-dir' is .* which has no Makefile/,
    );
  });

  it('accepts imager-image mode with a base installer and dedupes platforms', () => {
    const v = validateBuildInstallerOptions({
      ...base,
      talosDir: undefined,
      kernelImage: undefined,
      imagerImage: pinned('imager'),
      baseInstallerImage: pinned('installer-base'),
      platforms: ['linux/amd64', 'linux/arm64', 'linux/arm64/v8'],
      installerRef: '127.0.0.1:5005/u/installer:v1',
    });
    expect(v.mode).toBe('imager-image');
    expect(v.platforms.map((p) => p.arch)).toEqual(['amd64', 'arm64']);
    expect(v.destination.toString()).toBe('127.0.0.1:5005/u/installer:v1');
  });

  it('accepts kernel arguments with commas and negated ones, as the imager takes them', () => {
    const extraKernelArgs = [
      'console=ttyS0,115200n8',
      '-module.sig_enforce',
      'module.sig_enforce=0',
    ];
    expect(() => validateBuildInstallerOptions({ ...base, extraKernelArgs })).not.toThrow();
  });

  it('accepts an SBC overlay given as image and installer name, with key=value options', () => {
    const overlay = {
      overlayImage: 'ghcr.io/siderolabs/sbc-raspberrypi:v0.1.0',
      overlayName: 'rpi_generic',
      overlayOptions: ['configTxtAppend=dtoverlay=vc4-kms-v3d'],
    };
    expect(() => validateBuildInstallerOptions({ ...base, ...overlay })).not.toThrow();
    expect(() =>
      validateBuildInstallerOptions({ ...base, overlayImage: overlay.overlayImage }),
    ).toThrow("input 'overlay-image' and input 'overlay-name' go together");
    expect(() => validateBuildInstallerOptions({ ...base, overlayName: 'rpi_generic' })).toThrow(
      "input 'overlay-image' and input 'overlay-name' go together",
    );
    expect(() =>
      validateBuildInstallerOptions({ ...base, ...overlay, overlayOptions: ['novalue'] }),
    ).toThrow("input 'overlay-options' has 'novalue': give key=value options");
  });

  it.each<[string, Partial<BuildInstallerOptions>, RegExp]>([
    [
      'both modes',
      { imagerImage: pinned('imager') },
      /'talos-dir' and input 'imager-image' are both set/,
    ],
    ['no mode', { talosDir: undefined }, /neither input 'talos-dir' nor input 'imager-image'/],
    ['no kernel in talos-dir mode', { kernelImage: undefined }, /'kernel-image' is required/],
    [
      'imager mode without base',
      { talosDir: undefined, imagerImage: pinned('imager') },
      /'base-installer-image' is required/,
    ],
    ['a space in an extension', { extensionImages: ['a b'] }, /input 'extension-images'/],
    ['a $ in a kernel argument', { extraKernelArgs: ['a=$HOME'] }, /input 'extra-kernel-args'/],
    ['a newline in a kernel argument', { extraKernelArgs: ['a\nb'] }, /input 'extra-kernel-args'/],
    [
      'a ; in a kernel argument',
      { extraKernelArgs: ['quiet;reboot'] },
      /input 'extra-kernel-args'/,
    ],
    [
      'a flag smuggled into an extension',
      { extensionImages: ['r/a:1 --output /etc'] },
      /input 'extension-images' is .* which contains a space/,
    ],
    ['a backtick in the kernel image', { kernelImage: 'a`b`' }, /input 'kernel-image'/],
    [
      'a $( in the base installer',
      { baseInstallerImage: '$(x)' },
      /input 'base-installer-image' is .* which contains '\$'/,
    ],
    [
      'a ; in the overlay name',
      { overlayImage: 'ghcr.io/siderolabs/sbc-raspberrypi:v0.1.0', overlayName: 'rpi;reboot' },
      /input 'overlay-name'/,
    ],
    ['a $ in the tag', { tag: 'v1$(id)' }, /input 'tag' is .* which contains '\$'/],
    [
      'a space in the username',
      { username: 'a b' },
      /input 'username' is .* which contains a space/,
    ],
    ['a newline in a platform', { platforms: ['linux/amd64\nx'] }, /input 'platforms'/],
    ['a flag as kernel argument', { extraKernelArgs: ['--output'] }, /-name to remove a default/],
    ['a lone dash as kernel argument', { extraKernelArgs: ['-'] }, /-name to remove a default/],
    ['a newline in the tag', { tag: 'v1\nv2' }, /input 'tag'/],
    ['a semicolon in the registry', { registry: 'ghcr.io;x' }, /input 'registry'/],
    ['a URL as registry', { registry: 'https://ghcr.io' }, /input 'registry'/],
    ['a backtick in the username', { username: 'a`id`' }, /input 'username'/],
    ['an unsupported platform', { platforms: ['linux/riscv64'] }, /amd64 and linux\/arm64 only/],
    ['a non-linux platform', { platforms: ['windows/amd64'] }, /input 'platforms'/],
    ['no platform', { platforms: [] }, /input 'platforms' is empty/],
    ['a digest destination', { installerRef: pinned('x') }, /not a digest/],
    ['ttl.sh over 24h', { installerRef: 'ttl.sh/x:2d' }, /at most 24 hours/],
    ['ttl.sh with a bare number', { installerRef: 'ttl.sh/x:90' }, /needs a unit/],
    ['an invalid reference', { installerRef: 'UPPER/Case:1' }, /input 'installer-ref'/],
  ])('refuses %s before any work', (_name, change, message) => {
    expect(() => validateBuildInstallerOptions({ ...base, ...change })).toThrow(message);
  });
});
