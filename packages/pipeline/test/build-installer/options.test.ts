import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  applyContract,
  buildInstallerContract,
  validateBuildInstallerOptions,
  type RawInputs,
} from '@talos-kmod/pipeline';

const checkout = mkdtempSync(join(tmpdir(), 'talos-checkout-'));
writeFileSync(join(checkout, 'Makefile'), 'installer-base:\n');
const pinned = (name: string) => `127.0.0.1:5005/u/${name}:v1@sha256:${'a'.repeat(64)}`;
const base: RawInputs = {
  'talos-dir': checkout,
  'kernel-image': pinned('kernel'),
  'extension-images': pinned('hailort'),
  'extra-kernel-args': 'console=ttyS0',
  registry: '127.0.0.1:5005',
  username: 'Michael-Robbins',
};
/** The step's options as the CLI reads `raw` over `base` (defaults applied, values parsed). */
const optionsOf = (raw: RawInputs) =>
  applyContract(buildInstallerContract, { ...base, ...raw }, 'cli', {}).options;
/** The inputs read, parsed and validated by the step, as a run does before any work. */
const validate = (raw: RawInputs, uuid?: () => string) =>
  validateBuildInstallerOptions(optionsOf(raw), uuid);

describe('build-installer inputs and validateBuildInstallerOptions', () => {
  it('accepts talos-dir mode, lower-cases the username, and defaults to ttl.sh/<uuid>:1h', () => {
    const v = validate({}, () => 'fb357269-2a4c-478d-8ceb-0d297d70d5aa');
    expect(v.mode).toBe('talos-dir');
    expect(v.username).toBe('michael-robbins');
    expect(v.destination.toString()).toBe('ttl.sh/fb357269-2a4c-478d-8ceb-0d297d70d5aa:1h');
    expect(v.defaultDestination).toBe(true);
    expect(v.platforms).toEqual([{ platform: 'linux/amd64', arch: 'amd64' }]);
  });

  it('parses make-args and refuses a variable the talos make lines set, naming the input', () => {
    const v = validate({ 'make-args': 'PROGRESS=plain' });
    expect(v.makeArgs).toEqual([{ name: 'PROGRESS', value: 'plain' }]);
    expect(() => validate({ 'make-args': 'PKG_KERNEL=x' })).toThrow(
      "make-args entry 'PKG_KERNEL=x' sets PKG_KERNEL, which this step sets itself: use the 'kernel-image' input instead",
    );
  });

  it('resolves a relative talos-dir and out-dir to absolute paths (they become docker volume paths)', () => {
    const v = validate({ 'talos-dir': relative(process.cwd(), checkout), 'out-dir': 'out' });
    expect(v.talosDir).toBe(checkout);
    expect(v.outDir).toBe(join(process.cwd(), 'out'));
  });

  it('refuses a talos-dir without a Makefile, naming the input', () => {
    expect(() => validate({ 'talos-dir': tmpdir() })).toThrow(
      /input 'talos-dir' is .* which has no Makefile/,
    );
  });

  it('accepts imager-image mode with a base installer and dedupes platforms', () => {
    const v = validate({
      'talos-dir': '',
      'kernel-image': '',
      'imager-image': pinned('imager'),
      'base-installer-image': pinned('installer-base'),
      platforms: 'linux/amd64,linux/arm64,linux/arm64/v8',
      'installer-ref': '127.0.0.1:5005/u/installer:v1',
    });
    expect(v.mode).toBe('imager-image');
    expect(v.platforms.map((p) => p.arch)).toEqual(['amd64', 'arm64']);
    expect(v.destination.toString()).toBe('127.0.0.1:5005/u/installer:v1');
  });

  it('accepts kernel arguments with commas and negated ones, as the imager takes them', () => {
    const args = ['console=ttyS0,115200n8', '-module.sig_enforce', 'module.sig_enforce=0'];
    expect(validate({ 'extra-kernel-args': args.join('\n') }).imager.extraKernelArgs).toEqual(args);
  });

  it('accepts an SBC overlay given as image and installer name, with key=value options', () => {
    const overlay = {
      'overlay-image': 'ghcr.io/siderolabs/sbc-raspberrypi:v0.1.0',
      'overlay-name': 'rpi_generic',
      'overlay-options': 'configTxtAppend=dtoverlay=vc4-kms-v3d',
    };
    expect(validate(overlay).images.overlay?.toString()).toBe(overlay['overlay-image']);
    expect(() => validate({ 'overlay-image': overlay['overlay-image'] })).toThrow(
      "input 'overlay-image' and input 'overlay-name' go together",
    );
    expect(() => validate({ 'overlay-name': 'rpi_generic' })).toThrow(
      "input 'overlay-image' and input 'overlay-name' go together",
    );
    expect(() => validate({ ...overlay, 'overlay-options': 'novalue' })).toThrow(
      "input 'overlay-options' has 'novalue': give key=value options",
    );
  });

  it.each<[string, RawInputs, RegExp]>([
    [
      'both modes',
      { 'imager-image': pinned('imager') },
      /'talos-dir' and input 'imager-image' are both set/,
    ],
    ['no mode', { 'talos-dir': '' }, /neither input 'talos-dir' nor input 'imager-image'/],
    ['no kernel in talos-dir mode', { 'kernel-image': '' }, /'kernel-image' is required/],
    [
      'imager mode without base',
      { 'talos-dir': '', 'imager-image': pinned('imager') },
      /'base-installer-image' is required/,
    ],
    ['a space in an extension', { 'extension-images': ['a b'] }, /input 'extension-images'/],
    ['a $ in a kernel argument', { 'extra-kernel-args': 'a=$HOME' }, /input 'extra-kernel-args'/],
    [
      'a newline in a kernel argument',
      { 'extra-kernel-args': ['a\nb'] },
      /input 'extra-kernel-args'/,
    ],
    [
      'a ; in a kernel argument',
      { 'extra-kernel-args': 'quiet;reboot' },
      /input 'extra-kernel-args'/,
    ],
    [
      'a flag smuggled into an extension',
      { 'extension-images': ['r/a:1 --output /etc'] },
      /input 'extension-images' is .* which contains a space/,
    ],
    ['a backtick in the kernel image', { 'kernel-image': 'a`b`' }, /input 'kernel-image'/],
    [
      'a $( in the base installer',
      { 'base-installer-image': '$(x)' },
      /input 'base-installer-image' is .* which contains '\$'/,
    ],
    [
      'an unpinned extra extension',
      { 'extra-extension-images': 'ghcr.io/siderolabs/zfs:2.3.3' },
      /input 'extra-extension-images' has 'ghcr.io\/siderolabs\/zfs:2.3.3', which is not pinned/,
    ],
    [
      'a ; in the overlay name',
      {
        'overlay-image': 'ghcr.io/siderolabs/sbc-raspberrypi:v0.1.0',
        'overlay-name': 'rpi;reboot',
      },
      /input 'overlay-name'/,
    ],
    ['a $ in the tag', { tag: 'v1$(id)' }, /input 'tag' is .* which contains '\$'/],
    [
      'a space in the username',
      { username: 'a b' },
      /input 'username' is .* which contains a space/,
    ],
    ['a newline in a platform', { platforms: ['linux/amd64\nx'] }, /input 'platforms'/],
    ['a flag as kernel argument', { 'extra-kernel-args': '--output' }, /-name to remove a default/],
    ['a lone dash as kernel argument', { 'extra-kernel-args': '-' }, /-name to remove a default/],
    ['a newline in the tag', { tag: 'v1\nv2' }, /input 'tag'/],
    ['a semicolon in the registry', { registry: 'ghcr.io;x' }, /input 'registry'/],
    ['a URL as registry', { registry: 'https://ghcr.io' }, /input 'registry'/],
    ['a backtick in the username', { username: 'a`id`' }, /input 'username'/],
    ['an unsupported platform', { platforms: 'linux/riscv64' }, /amd64 and linux\/arm64 only/],
    ['a non-linux platform', { platforms: 'windows/amd64' }, /input 'platforms'/],
    ['a digest destination', { 'installer-ref': pinned('x') }, /not a digest/],
    ['ttl.sh over 24h', { 'installer-ref': 'ttl.sh/x:2d' }, /at most 24 hours/],
    ['ttl.sh with a bare number', { 'installer-ref': 'ttl.sh/x:90' }, /needs a unit/],
    ['an invalid reference', { 'installer-ref': 'UPPER/Case:1' }, /input 'installer-ref'/],
  ])('refuses %s before any work', (_name, change, message) => {
    expect(() => validate(change)).toThrow(message);
  });

  it('refuses an empty platform list given in code', () => {
    expect(() => validateBuildInstallerOptions({ ...optionsOf({}), platforms: [] })).toThrow(
      /input 'platforms' is empty/,
    );
  });
});
