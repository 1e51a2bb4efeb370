/**
 * Real distribution kernels (the Debian builds scripts/fetch-debian-kernels.sh caches): every
 * module of one build verifies against the certificate read from its own vmlinuz; none of another
 * build's modules does, although both builds' modules name the same signer. `openssl cms -verify`
 * agrees on a sample of both.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKernelImageFile } from '@talos-kmod/boot';
import { readModuleFile, type CertificateInfo } from '@talos-kmod/kmod';
import { debianKernel, debianKernelModules } from '../support/debian-kernels';

jest.setTimeout(600_000);
const MARKER = '~Module signature appended~\n';
const work = mkdtempSync(join(tmpdir(), 'debian-verify-'));

/** openssl's verdict on `file`'s signature with `cert` (the PKCS#7 cut out by sig_len). */
function opensslVerifies(file: string, cert: CertificateInfo): boolean {
  const bytes = readFileSync(file);
  if (bytes.subarray(bytes.length - MARKER.length).toString('latin1') !== MARKER) return false;
  const infoAt = bytes.length - MARKER.length - 12;
  const sigAt = infoAt - bytes.readUInt32BE(infoAt + 8);
  writeFileSync(join(work, 'content'), bytes.subarray(0, sigAt));
  writeFileSync(join(work, 'sig.p7'), bytes.subarray(sigAt, infoAt));
  writeFileSync(join(work, 'cert.der'), cert.der);
  const pem = spawnSync('openssl', ['x509', '-inform', 'DER', '-in', join(work, 'cert.der')]);
  writeFileSync(join(work, 'cert.pem'), pem.stdout);
  const r = spawnSync('openssl', [
    'cms',
    '-verify',
    '-binary',
    '-inform',
    'DER',
    '-in',
    join(work, 'sig.p7'),
    '-content',
    join(work, 'content'),
    '-certfile',
    join(work, 'cert.pem'),
    '-nointern',
    '-noverify',
    '-out',
    '/dev/null',
  ]);
  return r.status === 0;
}

describe('real Debian kernels', () => {
  const cloud = debianKernel('amd64', 'cloud');
  const generic = debianKernel('amd64', 'generic');

  it('verifies every module of a build against its own vmlinuz certificate, and none of another build', async () => {
    const own = await readKernelImageFile(cloud.vmlinuz);
    const other = await readKernelImageFile(generic.vmlinuz);
    expect(own.certificates).toHaveLength(1);
    expect(other.certificates).toHaveLength(1);
    const [ownCert] = own.certificates;
    const [otherCert] = other.certificates;
    if (!ownCert || !otherCert) throw new Error('no certificate');
    // the same signer name, different keys: only a real signature check tells them apart
    expect(ownCert.commonName).toBe(otherCert.commonName);
    expect(ownCert.sha256Fingerprint).not.toBe(otherCert.sha256Fingerprint);

    const modules = debianKernelModules(cloud);
    expect(modules.length).toBeGreaterThan(1000);
    const verdicts = new Map<string, number>();
    for (const m of modules) {
      const info = await readModuleFile(m, { certificates: own.certificates });
      const v = info.verification?.verdict ?? 'none';
      verdicts.set(v, (verdicts.get(v) ?? 0) + 1);
      expect(info.signature?.signer).toBe(ownCert.commonName);
    }
    expect(Object.fromEntries(verdicts)).toEqual({ verified: modules.length });

    const foreign = debianKernelModules(generic);
    const foreignVerdicts = new Map<string, number>();
    for (const m of foreign) {
      const info = await readModuleFile(m, { certificates: own.certificates });
      const v = info.verification?.verdict ?? 'none';
      foreignVerdicts.set(v, (foreignVerdicts.get(v) ?? 0) + 1);
      expect(info.signature?.signer).toBe(ownCert.commonName);
    }
    expect(Object.fromEntries(foreignVerdicts)).toEqual({ 'unknown-key': foreign.length });
    const sample = await readModuleFile(foreign[0] ?? '', { certificates: own.certificates });
    expect(sample.verification?.reason).toMatch(/signer name is the same but the key is not/);

    // the oracle, on a sample of both
    for (const m of modules.filter((_f, i) => i % 100 === 0)) {
      expect({ m, ok: opensslVerifies(m, ownCert) }).toEqual({ m, ok: true });
    }
    for (const m of foreign.filter((_f, i) => i % 400 === 0)) {
      expect({ m, ok: opensslVerifies(m, ownCert) }).toEqual({ m, ok: false });
      expect({ m, ok: opensslVerifies(m, otherCert) }).toEqual({ m, ok: true });
    }
  });
});
