/**
 * `talos-kmod kernel-cert` through the bundled CLI (packages/cli/dist, `npm run build:cli`), as a
 * user runs it: on kernel files (bzImage, UKI) and on an image holding /boot/vmlinuz, with text,
 * --pem (openssl re-reads it) and --json output, and the exit codes (1: no certificate, 2: unreadable).
 */
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  makeArm64Image,
  makeBzImage,
  makeCertificate,
  makeUki,
  type TestCertificate,
} from '../support/kernel-images';
import { newDir, writeOciLayout } from '../support/images';
import { buildTestModule, compressModule } from '../support/modules';

jest.setTimeout(300_000);
const repoRoot = join(import.meta.dirname, '../..');
const bundle = join(repoRoot, 'packages/cli/dist/talos-kmod.cjs');
const release = '6.18.45-talos';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [bundle, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function openssl(der: Uint8Array, ...args: string[]): string {
  return execFileSync('openssl', ['x509', '-inform', 'DER', '-noout', ...args], { input: der })
    .toString()
    .trim();
}

let dir: string;
let cert: TestCertificate;
let vmlinuz: string;

beforeAll(() => {
  dir = newDir('kernel-cert');
  cert = makeCertificate();
  vmlinuz = join(dir, 'vmlinuz');
  writeFileSync(vmlinuz, makeBzImage({ release, certificates: [cert.der] }, 'lz4'));
});

describe('talos-kmod kernel-cert', () => {
  it('prints the release and the certificate of a bzImage', () => {
    const r = cli(['kernel-cert', vmlinuz]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('format:       bzImage (amd64, lz4)');
    expect(r.stdout).toContain(`release:      ${release}`);
    expect(r.stdout).toContain(
      'subject:  O = Sidero Labs\\, Inc., CN = Build time throw-away kernel key',
    );
    expect(r.stdout).toContain(
      `sha256:   ${openssl(cert.der, '-fingerprint', '-sha256').replace('sha256 Fingerprint=', '')}`,
    );
    expect(r.stdout).toContain(
      `serial:   ${openssl(cert.der, '-serial')
        .replace('serial=', '')
        .replace(/(..)(?!$)/g, '$1:')}`,
    );
    expect(r.stdout).toContain('key:      rsa 2048');
  });

  it('prints PEM that openssl reads as the same certificate', () => {
    const r = cli(['kernel-cert', '--pem', vmlinuz]);
    expect(r.code).toBe(0);
    const der = execFileSync('openssl', ['x509', '-outform', 'DER'], { input: r.stdout });
    expect(Buffer.compare(der, Buffer.from(cert.der))).toBe(0);
  });

  it('prints JSON for a UKI with its .uname and .cmdline', () => {
    const uki = join(dir, 'vmlinuz.efi');
    writeFileSync(
      uki,
      makeUki({
        linux: makeBzImage({ release, certificates: [cert.der] }, 'lz4'),
        uname: release,
        cmdline: 'console=ttyS0',
      }),
    );
    const r = cli(['kernel-cert', '--json', uki]);
    expect(r.code).toBe(0);
    const [k] = JSON.parse(r.stdout) as {
      format: string;
      release: string;
      cmdline: string;
      uki: { uname: string };
      certificates: { pem: string }[];
    }[];
    expect(k).toMatchObject({
      format: 'uki',
      release,
      cmdline: 'console=ttyS0',
      uki: { uname: release },
    });
    expect(k?.certificates[0]?.pem).toBe(cert.pem.replace(/\r/g, ''));
  });

  it('reads /boot/vmlinuz from an image', async () => {
    const layout = newDir('kernel-image');
    await writeOciLayout(layout, [
      {
        platform: { os: 'linux', architecture: 'amd64' },
        layers: [
          [
            {
              path: 'boot/vmlinuz',
              content: Buffer.from(makeBzImage({ release, certificates: [cert.der] }, 'lz4')),
            },
          ],
        ],
      },
    ]);
    const r = cli(['kernel-cert', `oci:${layout}`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`source:       oci:${layout}`);
    expect(r.stdout).toContain('/boot/vmlinuz');
    expect(r.stdout).toContain(`release:      ${release}`);
  });

  it('marks the revoked and other certificates apart from the trusted list; --pem prints only the trusted', () => {
    const revoked = makeCertificate({ commonName: 'Revoked key' });
    const decoy = makeCertificate({ commonName: 'Regulatory db key' });
    const image = join(dir, 'Image');
    writeFileSync(
      image,
      makeArm64Image({
        release,
        certificates: [cert.der],
        revoked: [revoked.der],
        decoys: [decoy.der],
      }),
    );
    const text = cli(['kernel-cert', image]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      'certificates: 1 trusted (system_certificate_list at whole kernel offset ',
    );
    expect(text.stdout).toContain('located by system_certificate_list_size and module_cert_size)');
    expect(text.stdout).toMatch(
      /revoked: {6}1 \(revocation_certificate_list: the kernel refuses modules signed by these\)\n {2}- subject: {2}O = Sidero Labs\\, Inc\., CN = Revoked key/,
    );
    expect(text.stdout).toMatch(
      /other: {8}1 \(.*not trusted for module signatures\)\n {2}- subject: {2}.*CN = Regulatory db key/,
    );
    const pem = cli(['kernel-cert', '--pem', image]);
    expect(pem.stdout.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    const der = execFileSync('openssl', ['x509', '-outform', 'DER'], { input: pem.stdout });
    expect(Buffer.compare(der, Buffer.from(cert.der))).toBe(0);
    const [k] = JSON.parse(cli(['kernel-cert', '--json', image]).stdout) as {
      certificates: { commonName: string }[];
      revokedCertificates: { commonName: string; pem: string }[];
      otherCertificates: { commonName: string }[];
      certificateList: { rule: string; region: string };
    }[];
    expect(k?.certificates.map((c) => c.commonName)).toEqual(['Build time throw-away kernel key']);
    expect(k?.revokedCertificates.map((c) => c.commonName)).toEqual(['Revoked key']);
    expect(k?.revokedCertificates[0]?.pem).toBe(revoked.pem.replace(/\r/g, ''));
    expect(k?.otherCertificates.map((c) => c.commonName)).toEqual(['Regulatory db key']);
    expect(k?.certificateList).toMatchObject({
      rule: 'list-size-and-module-cert-size',
      region: 'whole kernel',
    });
  });

  it('exits 1 for a kernel without a certificate', () => {
    const bare = join(dir, 'vmlinuz-bare');
    writeFileSync(bare, makeBzImage({ release, certificates: [] }, 'lz4'));
    const r = cli(['kernel-cert', bare]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('certificates: 0');
    expect(r.stderr).toContain(
      `${bare}: no certificate: the kernel cannot verify any module signature`,
    );
  });

  it('exits 2 for a kernel module, plain or compressed, saying it is a module', async () => {
    const ko = await buildTestModule({ name: 'talos_kmod_kcert' });
    for (const [file, how] of [
      [ko, ''],
      [await compressModule(ko, 'xz'), ', xz-compressed'],
    ] as const) {
      const r = cli(['kernel-cert', file]);
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
      expect(r.stderr).toContain(`${file}: a kernel module (.ko${how}), not a kernel`);
    }
  });

  it('exits 2 for a file that is not a kernel, naming it', () => {
    const junk = join(dir, 'junk');
    writeFileSync(junk, Buffer.alloc(4096, 7));
    const r = cli(['kernel-cert', junk]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${junk}: not a kernel image`);
  });
});
