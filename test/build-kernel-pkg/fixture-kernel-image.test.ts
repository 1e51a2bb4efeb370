/**
 * The pkgs fixture's kernel writes /boot/vmlinuz with test/fixtures/pkgs/hack/make-bzimage: a real
 * zstd bzImage whose kernel holds the build's signing certificate. Read back with
 * readKernelImageFile and compared with openssl's view of the same certificate.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKernelImageFile } from '@talos-kmod/boot';
import { makeCertificate } from '../support/kernel-images';

const script = join(import.meta.dirname, '../fixtures/pkgs/hack/make-bzimage');

describe('fixture kernel /boot/vmlinuz', () => {
  it('is a zstd bzImage that embeds the certificate the modules are signed with', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fixture-bzimage-'));
    const cert = makeCertificate();
    writeFileSync(join(dir, 'signing_key.x509'), cert.der);
    const out = join(dir, 'vmlinuz');
    execFileSync(script, ['6.1.0-57-amd64', join(dir, 'signing_key.x509'), out]);
    const k = await readKernelImageFile(out);
    expect(k).toMatchObject({
      format: 'bzImage',
      arch: 'amd64',
      compression: 'zstd',
      release: '6.1.0-57-amd64',
      problems: [],
    });
    const openssl = execFileSync(
      'openssl',
      ['x509', '-inform', 'DER', '-noout', '-fingerprint', '-sha256'],
      { input: cert.der },
    ).toString();
    expect(k.certificates.map((c) => `sha256 Fingerprint=${c.sha256Fingerprint}`)).toEqual([
      openssl.trim(),
    ]);
    // laid out as certs/system_certificates.S does, so found as the kernel's trusted list
    expect(k.certificateList.rule).toBe('list-size-and-module-cert-size');
    expect(execFileSync('file', ['-b', out]).toString()).toMatch(
      /^Linux kernel x86 boot executable bzImage, version 6\.1\.0-57-amd64/,
    );
  });
});
