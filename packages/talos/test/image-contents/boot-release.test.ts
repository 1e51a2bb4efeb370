import { describe, expect, it } from '@jest/globals';
import { bootImageRelease } from '@talos-kmod/talos';
import { bzImageHeader, ukiLike } from '../../../../test/support/images';

describe('bootImageRelease', () => {
  it('reads the .uname section of a UKI', () => {
    const uki = ukiLike({
      '.osrel': 'ID=talos\n',
      '.uname': '6.12.31-talos',
      '.linux': bzImageHeader('6.12.30-talos'),
    });
    expect(bootImageRelease(uki)).toEqual({ release: '6.12.31-talos', source: 'uki-uname' });
  });

  it('falls back to the bzImage in .linux when there is no .uname', () => {
    const uki = ukiLike({ '.cmdline': 'console=ttyS0', '.linux': bzImageHeader('6.18.45-talos') });
    expect(bootImageRelease(uki)).toEqual({
      release: '6.18.45-talos',
      source: 'uki-linux-bzimage',
    });
  });

  it('reads the version string of a bzImage setup header', () => {
    expect(bootImageRelease(bzImageHeader('6.1.0-56-cloud-amd64'))).toEqual({
      release: '6.1.0-56-cloud-amd64',
      source: 'bzimage-header',
    });
  });

  it('says why when it finds no release', () => {
    expect(bootImageRelease(Buffer.from('not a kernel'))).toEqual({
      reason: 'neither a PE (UKI) file nor an x86 bzImage',
    });
    expect(bootImageRelease(ukiLike({ '.sbat': 'sbat,1\n' }))).toEqual({
      reason: 'a PE file without a .uname section or an x86 kernel in .linux',
    });
    expect(bootImageRelease(ukiLike({ '.uname': '\0\0' })).release).toBeUndefined();
  });
});
