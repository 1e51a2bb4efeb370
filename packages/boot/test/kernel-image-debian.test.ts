/**
 * readKernelImage on real Debian kernels (scripts/fetch-debian-kernels.sh caches them): an xz
 * (BCJ x86) bzImage, an lz4 bzImage and a plain arm64 Image. The release is the package's; the
 * certificate is the one the package's own modules name (`modinfo` is the oracle for the signer and
 * serial, openssl for the fingerprint), and the two amd64 builds share a signer name but not a key.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readKernelImageFile, type KernelImage } from '@talos-kmod/boot';
import {
  debianKernel,
  debianKernelModules,
  type DebianKernel,
} from '../../../test/support/debian-kernels';

// xz-decompress inflates the 66 MB generic kernel in seconds; more under load.
jest.setTimeout(300_000);

const kernels = {
  generic: debianKernel('amd64', 'generic'),
  cloud: debianKernel('amd64', 'cloud'),
  arm64: debianKernel('arm64', 'cloud'),
};
const read = new Map<DebianKernel, Promise<KernelImage>>();
const readOnce = (k: DebianKernel) => {
  let p = read.get(k);
  if (!p) read.set(k, (p = readKernelImageFile(k.vmlinuz)));
  return p;
};

function modinfo(field: string, path: string): string {
  return execFileSync('modinfo', ['-F', field, path]).toString().trim();
}

describe('readKernelImage on real Debian kernels', () => {
  it.each([
    ['generic', 'bzImage', 'amd64', 'xz'],
    ['cloud', 'bzImage', 'amd64', 'lz4'],
    ['arm64', 'arm64-image', 'arm64', 'none'],
  ] as const)(
    'reads the %s kernel: %s, %s, %s, its release and the certificate its modules name',
    async (which, format, arch, compression) => {
      const kernel = kernels[which];
      const k = await readOnce(kernel);
      expect(k).toMatchObject({ format, arch, compression, release: kernel.release, problems: [] });
      // located by both size words (v6.1: on arm64 `.align 8` is 256 bytes), no fallback
      expect(k.certificateList.rule).toBe('list-size-and-module-cert-size');
      expect(k.revokedCertificates).toEqual([]);
      expect(k.version).toMatch(/^#1 SMP .*Debian/);
      expect(k.certificates).toHaveLength(1);
      const cert = k.certificates[0]!;
      const module = debianKernelModules(kernel).find((p) => p.endsWith('/af_key.ko'));
      if (!module) throw new Error(`af_key.ko not found under ${kernel.modulesDir}`);
      expect(cert.commonName).toBe(modinfo('signer', module));
      expect(cert.serialNumber).toBe(modinfo('sig_key', module));
      const openssl = execFileSync(
        'openssl',
        ['x509', '-inform', 'DER', '-noout', '-fingerprint', '-sha256'],
        {
          input: cert.der,
        },
      ).toString();
      expect(openssl.trim()).toBe(`sha256 Fingerprint=${cert.sha256Fingerprint}`);
    },
  );

  it('tells the two amd64 builds apart although their signer names are equal', async () => {
    const [a, b] = await Promise.all([readOnce(kernels.generic), readOnce(kernels.cloud)]);
    expect(a.certificates[0]?.commonName).toBe(b.certificates[0]?.commonName);
    expect(a.certificates[0]?.serialNumber).not.toBe(b.certificates[0]?.serialNumber);
    expect(a.certificates[0]?.sha256Fingerprint).not.toBe(b.certificates[0]?.sha256Fingerprint);
  });
});
