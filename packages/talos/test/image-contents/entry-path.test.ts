import { describe, expect, it } from '@jest/globals';
import {
  isAllowedExtensionPath,
  kernelReleaseDirs,
  normalizeEntryPath,
  resolveLinkTarget,
  splitModulePath,
} from '@talos-kmod/talos';

describe('entry names', () => {
  it('drops "." and empty segments', () => {
    expect(normalizeEntryPath('rootfs/./usr//local/')).toMatchObject({
      ok: true,
      path: 'rootfs/usr/local',
    });
  });

  it.each(['a/../b', '..', 'rootfs/usr/lib/modules/../../../etc/x', '/etc/passwd', 'a\0b'])(
    'refuses %j',
    (name) => {
      expect(normalizeEntryPath(name).ok).toBe(false);
    },
  );

  it('compares allowed prefixes on segment boundaries', () => {
    const allowed = ['/usr/local', '/usr/bin/nvme'];
    expect(isAllowedExtensionPath('/usr/local', allowed)).toBe(true);
    expect(isAllowedExtensionPath('/usr/local/bin/x', allowed)).toBe(true);
    expect(isAllowedExtensionPath('/usr/bin/nvme', allowed)).toBe(true);
    expect(isAllowedExtensionPath('/usr/localevil/bin/x', allowed)).toBe(false);
    expect(isAllowedExtensionPath('/usr/bin/nvme-evil', allowed)).toBe(false);
  });

  it('resolves link targets from the link and says when they climb above the root', () => {
    expect(resolveLinkTarget('usr/local/lib/a.so', 'a.so.1')).toEqual({
      escapes: false,
      path: '/usr/local/lib/a.so.1',
    });
    expect(resolveLinkTarget('usr/local/lib/a', '../../../etc/x')).toEqual({
      escapes: false,
      path: '/etc/x',
    });
    expect(resolveLinkTarget('usr/local/lib/a', '../../../../etc/x')).toEqual({ escapes: true });
    expect(resolveLinkTarget('usr/local/lib/a', '/../x')).toEqual({ escapes: true });
    expect(resolveLinkTarget('a', '/etc/x')).toEqual({ escapes: false, path: '/etc/x' });
  });

  it('finds no kernel release in a name that climbs', () => {
    const entries = [
      { path: 'usr/lib/modules/6.1.0/a.ko', type: 'file' },
      { path: 'usr/lib/modules/../../../etc/x', type: 'file' },
    ];
    expect(kernelReleaseDirs(entries, 'usr/lib/modules')).toEqual(['6.1.0']);
    expect(splitModulePath('usr/lib/modules/../x/a.ko', 'usr/lib/modules')).toBeUndefined();
  });
});
