import { describe, expect, it } from '@jest/globals';
import { findInstallerAssets, requireInstallerAssets } from '@talos-kmod/talos';

describe('installer boot assets', () => {
  it('recognises the UKI boot format (Talos >= 1.10)', () => {
    expect(
      findInstallerAssets(['usr/bin/installer', 'usr/install/amd64/vmlinuz.efi'], 'amd64'),
    ).toEqual({
      bootFormat: 'uki',
      files: ['usr/install/amd64/vmlinuz.efi'],
    });
  });

  it('recognises vmlinuz + initramfs.xz (older Talos), with leading slashes or ./', () => {
    expect(
      findInstallerAssets(
        ['/usr/install/arm64/vmlinuz', './usr/install/arm64/initramfs.xz'],
        'arm64',
      ),
    ).toEqual({
      bootFormat: 'kernel-initramfs',
      files: ['usr/install/arm64/vmlinuz', 'usr/install/arm64/initramfs.xz'],
    });
  });

  it('does not accept a kernel without its initramfs', () => {
    expect(findInstallerAssets(['usr/install/amd64/vmlinuz'], 'amd64')).toBeUndefined();
  });

  it('fails with UserError naming the tarball and what it holds for another architecture', () => {
    expect(() =>
      requireInstallerAssets(
        '_out/installer-arm64.tar',
        ['usr/install/amd64/vmlinuz.efi'],
        'arm64',
      ),
    ).toThrow(
      /_out\/installer-arm64\.tar is not a Talos installer for arm64: .* holds only usr\/install\/amd64\/vmlinuz\.efi/,
    );
  });

  it('says when nothing is under usr/install', () => {
    expect(() => requireInstallerAssets('x.tar', ['bin/busybox'], 'amd64')).toThrow(
      /nothing under usr\/install/,
    );
  });
});
