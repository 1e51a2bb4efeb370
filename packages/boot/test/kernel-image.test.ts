/**
 * readKernelImage on every layout it claims, built with the real tools (test/support/kernel-images):
 * the certificates it finds are compared with what openssl reads from the same DER.
 */
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelImageError, readKernelImage, readKernelImageFile } from '@talos-kmod/boot';
import {
  compressKernel,
  makeArm64Image,
  makeBzImage,
  makeCertificate,
  makeUki,
  makeVmlinux,
  makeZboot,
  type TestCertificate,
} from '../../../test/support/kernel-images';

// Real compressors (zstd -22, xz) run per case: generous bounds for a loaded machine.
jest.setTimeout(180_000);

const release = '6.18.45-talos';
let cert: TestCertificate;
let extra: TestCertificate;

function opensslFingerprint(der: Uint8Array): string {
  const out = execFileSync(
    'openssl',
    ['x509', '-inform', 'DER', '-noout', '-fingerprint', '-sha256', '-serial'],
    {
      input: der,
    },
  ).toString();
  return out;
}

function expectCertificateOf(
  found: { sha256Fingerprint: string; serialNumber: string },
  c: TestCertificate,
) {
  const text = opensslFingerprint(c.der);
  const fp = /Fingerprint=([0-9A-F:]+)/.exec(text)?.[1];
  const serial = /serial=([0-9A-F]+)/.exec(text)?.[1];
  expect(found.sha256Fingerprint).toBe(fp);
  expect(found.serialNumber.replace(/:/g, '')).toBe(serial);
}

beforeAll(() => {
  cert = makeCertificate();
  extra = makeCertificate({ commonName: 'Extra trusted key', key: 'ec' });
});

describe('readKernelImage', () => {
  it.each(['zstd', 'xz', 'gzip', 'lz4'] as const)(
    'reads a %s bzImage: release, version and its certificate',
    async (kind) => {
      const image = makeBzImage({ release, certificates: [cert.der] }, kind);
      const k = await readKernelImage(image);
      expect(k).toMatchObject({
        format: 'bzImage',
        arch: 'amd64',
        compression: kind,
        release,
        problems: [],
      });
      expect(k.version).toBe('#1 SMP PREEMPT_DYNAMIC Thu Dec  3 06:00:00 UTC 2026');
      expect(k.certificates).toHaveLength(1);
      expectCertificateOf(k.certificates[0]!, cert);
      expect(k.certificates[0]?.commonName).toBe('Build time throw-away kernel key');
      expect(k.kernelSize).toBe(makeVmlinux({ release, certificates: [cert.der] }).length);
    },
  );

  it('finds every certificate of system_certificate_list, in order', async () => {
    const k = await readKernelImage(
      makeBzImage({ release, certificates: [cert.der, extra.der] }, 'lz4'),
    );
    expect(k.certificates.map((c) => c.commonName)).toEqual([
      'Build time throw-away kernel key',
      'Extra trusted key',
    ]);
    expectCertificateOf(k.certificates[1]!, extra);
    expect(k.certificates[1]?.keyType).toBe('ec');
  });

  it.each(['zstd', 'gzip', 'xz'] as const)('reads a %s arm64 zboot vmlinuz.efi', async (kind) => {
    const k = await readKernelImage(makeZboot({ release, certificates: [cert.der] }, kind));
    expect(k).toMatchObject({
      format: 'zboot',
      arch: 'arm64',
      compression: kind,
      release,
      problems: [],
    });
    expectCertificateOf(k.certificates[0]!, cert);
  });

  it('reads a plain arm64 Image and an Image.gz', async () => {
    const image = makeArm64Image({ release, certificates: [cert.der] });
    const plain = await readKernelImage(image);
    expect(plain).toMatchObject({
      format: 'arm64-image',
      arch: 'arm64',
      compression: 'none',
      release,
      kernelSize: image.length,
    });
    const gz = await readKernelImage(compressKernel(image, 'gzip'));
    expect(gz).toMatchObject({
      format: 'arm64-image',
      arch: 'arm64',
      compression: 'gzip',
      release,
    });
    expectCertificateOf(gz.certificates[0]!, cert);
  });

  it('reads an ELF vmlinux', async () => {
    const k = await readKernelImage(makeVmlinux({ release, certificates: [cert.der] }));
    expect(k).toMatchObject({ format: 'elf', arch: 'amd64', compression: 'none', release });
    expectCertificateOf(k.certificates[0]!, cert);
  });

  it('reads a UKI made with objcopy onto the systemd-boot stub', async () => {
    const linux = makeBzImage({ release, certificates: [cert.der] }, 'zstd');
    const uki = makeUki({
      linux,
      cmdline: 'talos.platform=metal console=ttyS0 module.sig_enforce=1',
      uname: release,
      osrel: 'NAME="Talos"\nID=talos\nVERSION_ID=v1.12.0\nPRETTY_NAME="Talos (v1.12.0)"\n',
      initrd: new Uint8Array(12345),
    });
    const k = await readKernelImage(uki);
    expect(k).toMatchObject({
      format: 'uki',
      arch: 'amd64',
      compression: 'zstd',
      release,
      cmdline: 'talos.platform=metal console=ttyS0 module.sig_enforce=1',
      problems: [],
    });
    expect(k.uki).toMatchObject({
      uname: release,
      initrdSize: 12345,
      osrel: { ID: 'talos', VERSION_ID: 'v1.12.0', PRETTY_NAME: 'Talos (v1.12.0)' },
    });
    expect(k.uki?.sbat).toContain('systemd');
    expect(k.uki?.sections.map((s) => s.name)).toEqual(
      expect.arrayContaining(['.text', '.linux', '.cmdline', '.uname', '.osrel', '.initrd']),
    );
    expectCertificateOf(k.certificates[0]!, cert);
  });

  it('reports a UKI whose .uname differs from its kernel', async () => {
    const uki = makeUki({
      linux: makeBzImage({ release, certificates: [cert.der] }, 'lz4'),
      uname: '6.1.0-other',
    });
    const k = await readKernelImage(uki);
    expect(k.problems).toEqual([
      `UKI .uname says 6.1.0-other but its kernel's banner says ${release}`,
    ]);
  });

  it('returns no certificate and a problem for a kernel built without CONFIG_MODULE_SIG', async () => {
    const k = await readKernelImage(makeBzImage({ release, certificates: [] }, 'lz4'));
    expect(k.certificates).toEqual([]);
    expect(k.problems).toEqual([expect.stringContaining('built without CONFIG_MODULE_SIG?')]);
  });

  it('fails on a truncated bzImage, naming where the payload ends', async () => {
    const image = makeBzImage({ release, certificates: [cert.der] }, 'lz4');
    const cut = image.subarray(0, image.length - 1000);
    const failure = readKernelImage(cut, { name: 'vmlinuz' });
    await expect(failure).rejects.toBeInstanceOf(KernelImageError);
    await expect(failure).rejects.toThrow(
      new RegExp(
        `^vmlinuz: bzImage payload ends at byte \\d+ but the file has ${cut.length}: it is truncated$`,
      ),
    );
  });

  it('fails on a corrupt payload', async () => {
    const image = Buffer.from(makeBzImage({ release, certificates: [cert.der] }, 'zstd'));
    const payload = 5 * 512 + image.readUInt32LE(0x248);
    image.fill(0x55, payload + 100, payload + 400);
    await expect(readKernelImage(image)).rejects.toThrow(
      'the zstd kernel payload cannot be decompressed',
    );
  });

  it('fails on what is no kernel image', async () => {
    await expect(readKernelImage(Buffer.alloc(4096, 0x41))).rejects.toThrow(
      'kernel image: not a kernel image: no bzImage (HdrS), zboot (zimg), arm64 Image (ARM\\x64), ELF or UKI (PE with .linux) header',
    );
    await expect(readKernelImage(new Uint8Array(10))).rejects.toThrow('10 bytes is too short');
  });

  it('stops at maxKernelSize and names the limit', async () => {
    const image = makeBzImage({ release, certificates: [cert.der] }, 'gzip');
    await expect(readKernelImage(image, { maxKernelSize: 100_000 })).rejects.toThrow(
      'the gzip kernel payload inflates past the 100000-byte limit (maxKernelSize)',
    );
    const zstd = makeBzImage({ release, certificates: [cert.der] }, 'zstd');
    await expect(readKernelImage(zstd, { maxKernelSize: 100_000 })).rejects.toThrow(
      'more than the 100000-byte limit (maxKernelSize)',
    );
  });

  it.each(['xz', 'lz4'] as const)(
    'holds no more than maxKernelSize while a %s payload without a size trailer inflates past it',
    (kind) => {
      // a raw payload (as Image.xz would be) of 200 MiB of zeros, read with a 64 MiB cap in a
      // child process: growing the output by doubling into new buffers peaked at 1.5-2x the cap
      const cap = 64 * 1024 * 1024;
      const dir = mkdtempSync(join(tmpdir(), 'kernel-cap-'));
      const file = join(dir, `Image.${kind}`);
      const tool = kind === 'xz' ? 'xz -1 -c' : 'lz4 -l -1 -q -c';
      execFileSync('sh', ['-c', `head -c ${200 * 1024 * 1024} /dev/zero | ${tool} > ${file}`]);
      const out = execFileSync(
        process.execPath,
        [
          '--import',
          'tsx',
          join(import.meta.dirname, 'helpers/read-kernel-peak-rss.ts'),
          file,
          `${cap}`,
        ],
        { cwd: join(import.meta.dirname, '../../..'), encoding: 'utf8', timeout: 120_000 },
      );
      const r = JSON.parse(out) as { before: number; peak: number; error?: string };
      expect(r.error).toBe(
        `kernel image: the ${kind} kernel payload inflates past the ${cap}-byte limit (maxKernelSize); raise it if the kernel is genuine`,
      );
      expect(r.peak - r.before).toBeLessThan(cap * 1.25);
    },
  );

  it('reads a file and names its path in errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kimg-'));
    const good = join(dir, 'vmlinuz');
    writeFileSync(good, makeBzImage({ release, certificates: [cert.der] }, 'lz4'));
    expect((await readKernelImageFile(good)).release).toBe(release);
    const bad = join(dir, 'garbage');
    writeFileSync(bad, Buffer.alloc(1000));
    await expect(readKernelImageFile(bad)).rejects.toThrow(`${bad}: not a kernel image`);
    await expect(readKernelImageFile(good, { maxInput: 1000 })).rejects.toThrow(
      'more than the 1000-byte limit (maxInput)',
    );
    await expect(readKernelImageFile(join(dir, 'missing'))).rejects.toThrow('cannot read it');
  });
});
