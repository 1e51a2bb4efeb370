import { describe, expect, it } from '@jest/globals';
import { parsePinnedReference } from '@talos-kmod/oci';
import { installerSummary } from '@talos-kmod/pipeline';

describe('installerSummary', () => {
  const text = {
    installer: 'ttl.sh/abc:1h@sha256:' + '1'.repeat(64),
    kernel: 'ghcr.io/u/kernel:k@sha256:' + '4'.repeat(64),
    extension: 'ghcr.io/u/hailort:4.24.0@sha256:' + '5'.repeat(64),
  };
  const input = {
    mode: 'talos-dir' as const,
    installerImage: parsePinnedReference(text.installer),
    installerImages: { amd64: parsePinnedReference(text.installer) },
    imagerImage: parsePinnedReference('ghcr.io/u/imager:v1@sha256:' + '2'.repeat(64)),
    installerBaseImage: parsePinnedReference(
      'ghcr.io/u/installer-base:v1@sha256:' + '3'.repeat(64),
    ),
    kernelImage: parsePinnedReference(text.kernel),
    extensionImages: [parsePinnedReference(text.extension)],
    extraKernelArgs: ['console=ttyS0'],
    layouts: { amd64: 'vmlinuz.efi' },
    ttlSeconds: 3600,
  };

  it('lists what the installer was built from and ends with the talosctl upgrade command', () => {
    const md = installerSummary(input);
    expect(md).toContain(`| linux/amd64 | \`${text.installer}\` | vmlinuz.efi |`);
    expect(md).toContain(`- kernel: \`${text.kernel}\``);
    expect(md).toContain(`- extension: \`${text.extension}\``);
    expect(md).toContain('(built, INSTALLER_ARCH=targetarch)');
    expect(md).toContain('ttl.sh deletes it after 1 hour.');
    const lines = md.trimEnd().split('\n');
    expect(lines.at(-2)).toBe(`talosctl upgrade --nodes <node> --image ${text.installer}`);
    expect(lines.at(-1)).toBe('```');
  });

  it('says when there are no extensions and leaves out the lifetime for other registries', () => {
    const md = installerSummary({ ...input, extensionImages: [], ttlSeconds: undefined });
    expect(md).toContain('- extensions: none');
    expect(md).not.toContain('ttl.sh deletes');
  });
});
