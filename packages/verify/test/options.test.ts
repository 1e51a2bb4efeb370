import { describe, expect, it } from '@jest/globals';
import { createMemoryLogger, isFieldError, type FieldError } from '@talos-kmod/common';
import { parseReference } from '@talos-kmod/oci';
import { validateVerifyOptions, verifyImage } from '@talos-kmod/verify';

describe('validateVerifyOptions', () => {
  it('normalizes module names and parses the Talos version and platform', () => {
    const o = validateVerifyOptions({
      image: ' ghcr.io/acme/hailort:4.24.0 ',
      modules: ['hailo-pci', 'hailo_pci.ko', ' ', 'nvidia_uvm.ko.zst'],
      talosVersion: 'v1.11',
      platform: 'linux/arm64',
    });
    expect(o.image).toBe('ghcr.io/acme/hailort:4.24.0');
    expect(o.modules).toEqual(['hailo_pci', 'nvidia_uvm']);
    expect(o.talosVersion).toEqual({ major: 1, minor: 11, patch: 0, prerelease: [] });
    expect(o.platform).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(o.failOn).toBe('error');
  });

  it('takes references an earlier step parsed as they are, naming them canonically', () => {
    const image = parseReference('127.0.0.1:5005/u/installer:v1');
    const kernel = parseReference('127.0.0.1:5005/u/kernel:v1');
    const extension = parseReference('127.0.0.1:5005/u/hailort:4.24.0');
    const o = validateVerifyOptions({
      image,
      kernelImage: kernel,
      extensions: [extension, 'hailort', extension],
    });
    expect(o.image).toBe('127.0.0.1:5005/u/installer:v1');
    expect(o.imageSpec).toEqual({ transport: 'registry', reference: image });
    expect(o.kernelImage).toBe('127.0.0.1:5005/u/kernel:v1');
    expect(o.kernelImageSpec).toEqual({ transport: 'registry', reference: kernel });
    expect(o.extensions).toEqual([
      { input: extension.toString(), image: { transport: 'registry', reference: extension } },
      { input: 'hailort' },
    ]);
  });

  it.each([
    [{ image: '' }, "input 'image' is empty"],
    [{ image: 'x', kernelRelease: 'latest' }, "input 'kernel-release' is 'latest'"],
    [{ image: 'x', modules: ['hailo pci'] }, "input 'modules' has 'hailo pci'"],
    [{ image: 'x', talosVersion: 'one.eleven' }, "input 'talos-version' is 'one.eleven'"],
    [{ image: 'x', platform: 'amd64' }, "input 'platform' is 'amd64'"],
    [{ image: 'x', failOn: 'info' as 'error' }, "input 'fail-on' is 'info'"],
    [{ image: 'Acme/X:v1' }, "input 'image': invalid image reference 'Acme/X:v1'"],
    [
      { image: 'x', kernelImage: 'docker-daemon:k' },
      "input 'kernel-image': image 'docker-daemon:k'",
    ],
    [{ image: 'x', extensions: ['hailort', 'oci:'] }, "input 'extensions' has 'oci:'"],
  ])('refuses %j naming the input', (options, message) => {
    expect(() => validateVerifyOptions(options)).toThrow(message);
    // A field error: the CLI words the same error with its flag.
    let error: unknown;
    try {
      validateVerifyOptions(options);
    } catch (e: unknown) {
      error = e;
    }
    expect(isFieldError(error)).toBe(true);
    const field = /^input '([a-z-]+)'/.exec(message)?.[1] ?? '';
    expect((error as FieldError).fields).toEqual([field]);
    expect((error as FieldError).wordFor((f) => `<${f}>`)).toContain(`<${field}>`);
  });

  it('parses the image specs before the first log group starts', async () => {
    const logger = createMemoryLogger();
    await expect(
      verifyImage(
        { image: 'ghcr.io/acme/x@sha256:12', kernelCert: '/nonexistent.pem' },
        { logger },
      ),
    ).rejects.toThrow("input 'image': invalid image reference 'ghcr.io/acme/x@sha256:12'");
    expect(logger.lines).toEqual([]);
  });

  it('keeps extension names as names and parses extension images', () => {
    const o = validateVerifyOptions({
      image: 'x',
      extensions: ['hailort', 'ghcr.io/acme/hailort:v1', 'hailort'],
    });
    expect(o.extensions.map((e) => [e.input, e.image?.transport])).toEqual([
      ['hailort', undefined],
      ['ghcr.io/acme/hailort:v1', 'registry'],
    ]);
  });
});
