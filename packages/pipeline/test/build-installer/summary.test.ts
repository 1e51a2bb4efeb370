import { describe, expect, it } from '@jest/globals';
import { installerSummary } from '@talos-kmod/pipeline';

describe('installerSummary', () => {
  const input = {
    mode: 'talos-dir' as const,
    installerImage: 'ttl.sh/abc:1h@sha256:' + '1'.repeat(64),
    installerImages: { amd64: 'ttl.sh/abc:1h@sha256:' + '1'.repeat(64) },
    imagerImage: 'ghcr.io/u/imager:v1@sha256:' + '2'.repeat(64),
    installerBaseImage: 'ghcr.io/u/installer-base:v1@sha256:' + '3'.repeat(64),
    kernelImage: 'ghcr.io/u/kernel:k@sha256:' + '4'.repeat(64),
    extensionImages: ['ghcr.io/u/hailort:4.24.0@sha256:' + '5'.repeat(64)],
    extraKernelArgs: ['console=ttyS0'],
    layouts: { amd64: 'vmlinuz.efi' },
    ttlSeconds: 3600,
  };

  it('lists what the installer was built from and ends with the talosctl upgrade command', () => {
    const md = installerSummary(input);
    expect(md).toContain(`| linux/amd64 | \`${input.installerImage}\` | vmlinuz.efi |`);
    expect(md).toContain(`- kernel: \`${input.kernelImage}\``);
    expect(md).toContain(`- extension: \`${input.extensionImages[0]}\``);
    expect(md).toContain('(built, INSTALLER_ARCH=targetarch)');
    expect(md).toContain('ttl.sh deletes it after 1 hour.');
    const lines = md.trimEnd().split('\n');
    expect(lines.at(-2)).toBe(`talosctl upgrade --nodes <node> --image ${input.installerImage}`);
    expect(lines.at(-1)).toBe('```');
  });

  it('says when there are no extensions and leaves out the lifetime for other registries', () => {
    const md = installerSummary({ ...input, extensionImages: [], ttlSeconds: undefined });
    expect(md).toContain('- extensions: none');
    expect(md).not.toContain('ttl.sh deletes');
  });
});
