/**
 * readKernelImage tells the kernel's trusted certificate list (system_certificate_list) apart from
 * its revocation list and from certificates compiled in elsewhere, on kernels assembled and linked
 * with GNU as/ld from reproductions of certs/system_certificates.S and
 * certs/revocation_certificates.S (test/support/kernel-images), certificates made with openssl.
 */
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readKernelImage, type KernelImage } from '@talos-kmod/boot';
import {
  makeArm64Image,
  makeBzImage,
  makeCertificate,
  makeVmlinux,
  makeZboot,
  type KernelContent,
  type TestCertificate,
} from '../../../test/support/kernel-images';

jest.setTimeout(180_000);

const release = '6.18.45-talos';
let signing: TestCertificate;
let extra: TestCertificate;
let revoked: TestCertificate;
let decoy: TestCertificate;
let inserted: TestCertificate;

beforeAll(() => {
  signing = makeCertificate();
  extra = makeCertificate({ commonName: 'Extra trusted key', key: 'ec' });
  revoked = makeCertificate({ commonName: 'Revoked key' });
  decoy = makeCertificate({ commonName: 'Regulatory database key' });
  inserted = makeCertificate({ commonName: 'Inserted key', key: 'ec' });
});

const names = (list: readonly { commonName?: string }[]) => list.map((c) => c.commonName);

function full(extraContent: Partial<KernelContent> = {}): KernelContent {
  return {
    release,
    certificates: [signing.der, extra.der],
    revoked: [revoked.der],
    decoys: [decoy.der],
    ...extraContent,
  };
}

function expectLocated(k: KernelImage, rule: KernelImage['certificateList']['rule']) {
  expect(k.certificateList.rule).toBe(rule);
  expect(k.problems).toEqual([]);
}

describe('the trusted certificate list', () => {
  it.each([
    ['an x86 bzImage (ELF vmlinux inside)', () => makeBzImage(full(), 'lz4'), '.init.data'],
    ['an ELF vmlinux', () => makeVmlinux(full()), '.init.data'],
    ['a raw arm64 Image (no sections)', () => makeArm64Image(full()), 'whole kernel'],
    ['an arm64 zboot vmlinuz.efi', () => makeZboot(full(), 'gzip'), 'whole kernel'],
  ])(
    'is exactly system_certificate_list in %s; the revocation list is apart',
    async (_what, make, region) => {
      const k = await readKernelImage(make());
      expectLocated(k, 'list-size-and-module-cert-size');
      expect(k.certificateList.region).toBe(region);
      expect(names(k.certificates)).toEqual([
        'Build time throw-away kernel key',
        'Extra trusted key',
      ]);
      expect(names(k.revokedCertificates)).toEqual(['Revoked key']);
      // the decoy in .rodata is seen only where the whole kernel is scanned, and never trusted
      expect(names(k.otherCertificates)).toEqual(
        region === 'whole kernel' ? ['Regulatory database key'] : [],
      );
    },
  );

  it('locates a list of kernels before v5.13 (no module_cert_size) by its size alone', async () => {
    const k = await readKernelImage(
      makeVmlinux({ release, certificates: [signing.der, extra.der], layout: 'v5.4' }),
    );
    expectLocated(k, 'list-size');
    expect(names(k.certificates)).toEqual([
      'Build time throw-away kernel key',
      'Extra trusted key',
    ]);
    const old = await readKernelImage(
      makeArm64Image({ release, certificates: [signing.der], layout: 'v5.4' }),
    );
    expectLocated(old, 'list-size');
  });

  it('includes a certificate insert-sys-cert put into the reserved extra area', async () => {
    // insert-sys-cert sets system_extra_cert_used to the inserted length; 4100 moves that flag
    // 4 bytes, so on x86 it sits once on and once off an 8-byte boundary
    for (const [make, extraCertificateSize] of [
      [makeVmlinux, 4096],
      [makeVmlinux, 4100],
      [makeArm64Image, 4096],
    ] as const) {
      const k = await readKernelImage(
        make(full({ extraCertificateSize, extraCertificate: inserted.der })),
      );
      expectLocated(k, 'list-size-and-module-cert-size');
      expect(names(k.certificates)).toEqual([
        'Build time throw-away kernel key',
        'Extra trusted key',
        'Inserted key',
      ]);
      expect(names(k.revokedCertificates)).toEqual(['Revoked key']);
      const unused = await readKernelImage(make(full({ extraCertificateSize: 4096 })));
      expectLocated(unused, 'list-size-and-module-cert-size');
      expect(names(unused.certificates)).toHaveLength(2);
    }
  });

  it.each([
    [
      'locates the list when signing_key.x509 holds a chain (module_cert_size spans it)',
      { signingKeyCertificates: 2 },
    ],
    ['reads 32-bit .long size words', { wordSize: 4 as const }],
  ])('%s', async (_, layout) => {
    for (const make of [makeVmlinux, makeArm64Image]) {
      const k = await readKernelImage(make(full(layout)));
      expectLocated(k, 'list-size-and-module-cert-size');
      expect(names(k.certificates)).toEqual([
        'Build time throw-away kernel key',
        'Extra trusted key',
      ]);
      expect(names(k.revokedCertificates)).toEqual(['Revoked key']);
    }
  });

  it('does not read the size words of a big-endian kernel, and says so', async () => {
    const image = Buffer.from(makeArm64Image(full()));
    image[24] = image[24]! | 1; // arm64 Image header flags bit 0: big-endian kernel
    const k = await readKernelImage(image);
    expect(k.certificateList).toEqual({ rule: 'not-located', region: 'whole kernel' });
    expect(names(k.certificates)).toEqual([
      'Regulatory database key',
      'Build time throw-away kernel key',
      'Extra trusted key',
      'Revoked key',
    ]);
    expect(k.problems).toEqual([
      expect.stringMatching(
        /^a big-endian kernel: .*every certificate found in the whole kernel \(4\) is used/,
      ),
    ]);
  });

  it('falls back to every certificate, and says so, when no list is located', async () => {
    const k = await readKernelImage(makeVmlinux(full({ layout: 'bare' })));
    expect(k.certificateList).toEqual({ rule: 'not-located', region: '.init.data' });
    expect(names(k.certificates)).toEqual([
      'Build time throw-away kernel key',
      'Extra trusted key',
      'Revoked key',
    ]);
    expect(k.problems).toEqual([
      expect.stringMatching(
        /^trusted certificate list not located .*every certificate found in the \.init\.data \(3\) is used/,
      ),
    ]);
  });
});
