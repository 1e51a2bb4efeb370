/**
 * Real distribution kernels (the Debian builds scripts/fetch-debian-kernels.sh caches): every
 * module of one build verifies against the certificate read from its own vmlinuz; none of another
 * build's modules does, although both builds' modules name the same signer. `openssl cms -verify`
 * agrees on a sample of both.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKernelImageFile } from '@talos-kmod/boot';
import { readModuleFile } from '@talos-kmod/kmod';
import { debianKernel, debianKernelModules } from '../support/debian-kernels';
import { certificatePem, opensslVerifies } from '../support/module-signature';

jest.setTimeout(600_000);
const work = mkdtempSync(join(tmpdir(), 'debian-verify-'));

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
    const ownPem = certificatePem(ownCert.der, work, 'own');
    const otherPem = certificatePem(otherCert.der, work, 'other');
    for (const m of modules.filter((_f, i) => i % 100 === 0)) {
      expect({ m, ok: opensslVerifies(m, ownPem) }).toEqual({ m, ok: true });
    }
    for (const m of foreign.filter((_f, i) => i % 400 === 0)) {
      expect({ m, ok: opensslVerifies(m, ownPem) }).toEqual({ m, ok: false });
      expect({ m, ok: opensslVerifies(m, otherPem) }).toEqual({ m, ok: true });
    }
  });
});
