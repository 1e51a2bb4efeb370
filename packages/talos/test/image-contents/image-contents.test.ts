import { describe, expect, it } from '@jest/globals';
import {
  detectImageKind,
  firmwareRootFor,
  isModuleFile,
  kernelReleaseDirs,
  moduleNameFromPath,
  modulesRootFor,
  parseTolerantVersion,
  splitModulePath,
  type ImageEntry,
} from '@talos-kmod/talos';

const file = (path: string): ImageEntry => ({ path, type: 'file', mode: 0o644, size: 1 });
const dir = (path: string): ImageEntry => ({ path, type: 'directory', mode: 0o755, size: 0 });

function talos(text: string) {
  const v = parseTolerantVersion(text);
  if (!v.ok) throw new Error(v.error);
  return v.version;
}

describe('detectImageKind', () => {
  it('finds an extension by manifest.yaml and rootfs/', () => {
    const r = detectImageKind([
      file('manifest.yaml'),
      dir('rootfs'),
      file('rootfs/usr/lib/modules/6.12.31-talos/x.ko'),
    ]);
    expect(r).toEqual({
      kind: 'extension',
      root: 'rootfs/',
      evidence: ['manifest.yaml', 'rootfs/'],
    });
  });

  it('finds a kernel image by /boot/vmlinuz even though it has modules', () => {
    const r = detectImageKind([
      file('boot/vmlinuz'),
      file('usr/lib/modules/6.12.31-talos/kernel/a.ko'),
    ]);
    expect(r.kind).toBe('kernel');
    expect(r.evidence).toEqual(['boot/vmlinuz']);
  });

  it('finds a module package by modules under usr/lib/modules or lib/modules', () => {
    expect(detectImageKind([file('usr/lib/modules/6.12.31-talos/extras/a.ko.xz')]).kind).toBe(
      'module-package',
    );
    expect(detectImageKind([file('lib/modules/6.6.1-talos/extras/a.ko')]).kind).toBe(
      'module-package',
    );
  });

  it('counts a package with only firmware or udev rules as a module package', () => {
    expect(detectImageKind([file('usr/lib/firmware/x.bin')]).kind).toBe('module-package');
    expect(detectImageKind([file('etc/udev/rules.d/51-x.rules')]).kind).toBe('module-package');
  });

  it('finds a UKI installer and an older kernel+initramfs installer, per architecture', () => {
    const uki = detectImageKind([
      file('usr/install/amd64/vmlinuz.efi'),
      file('usr/install/amd64/systemd-boot.efi'),
      file('usr/bin/installer'),
    ]);
    expect(uki.kind).toBe('installer');
    expect(uki.installer).toEqual([
      { arch: 'amd64', bootFormat: 'uki', files: ['usr/install/amd64/vmlinuz.efi'] },
    ]);
    const old = detectImageKind([
      file('usr/install/arm64/vmlinuz'),
      file('usr/install/arm64/initramfs.xz'),
    ]);
    expect(old.installer).toEqual([
      {
        arch: 'arm64',
        bootFormat: 'kernel-initramfs',
        files: ['usr/install/arm64/vmlinuz', 'usr/install/arm64/initramfs.xz'],
      },
    ]);
  });

  it('calls anything else unknown', () => {
    expect(detectImageKind([file('bin/busybox'), file('etc/passwd')]).kind).toBe('unknown');
    expect(detectImageKind([]).kind).toBe('unknown');
  });
});

describe('module paths', () => {
  it('recognises module files and names them like the kernel does', () => {
    expect(['a.ko', 'a.ko.xz', 'a.ko.zst', 'a.ko.gz'].every(isModuleFile)).toBe(true);
    expect(['a.ko.bz2', 'a.o', 'ko', 'modules.dep'].some(isModuleFile)).toBe(false);
    expect(
      moduleNameFromPath('usr/lib/modules/6.12.31-talos/kernel/drivers/misc/hailo-pci.ko.zst'),
    ).toBe('hailo_pci');
  });

  it('uses /usr/lib/modules from Talos 1.10 (prerelease included) and /lib/modules before', () => {
    expect(modulesRootFor(talos('v1.9.6'))).toBe('lib/modules');
    expect(modulesRootFor(talos('v1.10.0-alpha.0'))).toBe('usr/lib/modules');
    expect(modulesRootFor(talos('v1.12.1'))).toBe('usr/lib/modules');
    expect(modulesRootFor()).toBe('usr/lib/modules');
    expect(firmwareRootFor(talos('1.9'))).toBe('lib/firmware');
  });

  it('lists kernel release directories from directory entries and from deeper paths', () => {
    const entries = [
      dir('usr/lib/modules/6.12.31-talos'),
      file('usr/lib/modules/6.12.18-talos/extras/a.ko'),
      file('usr/lib/modules/modules.conf'),
      file('lib/modules/6.1.0/x.ko'),
    ];
    expect(kernelReleaseDirs(entries, 'usr/lib/modules')).toEqual([
      '6.12.18-talos',
      '6.12.31-talos',
    ]);
    expect(splitModulePath('usr/lib/modules/6.12.31-talos/extras/a.ko', 'usr/lib/modules')).toEqual(
      {
        release: '6.12.31-talos',
        rest: 'extras/a.ko',
      },
    );
    expect(splitModulePath('usr/lib/modules/a.ko', 'usr/lib/modules')).toBeUndefined();
  });
});
