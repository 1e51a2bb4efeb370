import { describe, expect, it } from '@jest/globals';
import {
  readCertificate,
  readModule,
  readModuleSummary,
  verifyModuleSignature,
} from '@talos-kmod/kmod';
import { syntheticModule } from './helpers/synthetic-elf';
import { appendSignature, makeCms, makeSigner, signSynthetic } from './helpers/synthetic-cms';

const module = syntheticModule({ bits: 64, endian: 'little', machine: 183 }).bytes;
const rsa = makeSigner({ key: 'rsa', serial: [0x01, 0x02] });
const ec = makeSigner({ key: 'ec', serial: [0x03, 0x04] });

function pem(der: Uint8Array): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice();
  out[at] = (out[at] ?? 0) ^ 0x01;
  return out;
}

describe('verifyModuleSignature', () => {
  const cases = [
    { key: 'rsa', hash: 'sha256', useKeyId: false },
    { key: 'rsa', hash: 'sha512', useKeyId: true },
    { key: 'rsa', hash: 'sha384', useKeyId: false },
    { key: 'ec', hash: 'sha256', useKeyId: false },
    { key: 'ec', hash: 'sha384', useKeyId: true },
  ] as const;

  it.each(cases)(
    'verifies $key/$hash (key id: $useKeyId) and calls a changed byte a bad signature',
    ({ key, hash, useKeyId }) => {
      const signer = key === 'ec' ? ec : rsa;
      const signed = signSynthetic(module, signer, { hash, useKeyId });
      const fingerprint = readCertificate(signer.certDer).sha256Fingerprint;
      expect(verifyModuleSignature(signed, signer.certDer)).toEqual({
        verified: true,
        verdict: 'verified',
        certificate: fingerprint,
      });
      const result = verifyModuleSignature(flip(signed, 200), signer.certDer);
      expect(result).toMatchObject({
        verified: false,
        verdict: 'bad-signature',
        certificate: fingerprint,
      });
      expect(result.reason).toMatch(/changed after signing/);
    },
  );

  it('calls signed attributes unsupported, as the kernel refuses them (has authattrs)', () => {
    const signed = signSynthetic(module, rsa, { hash: 'sha384', signedAttributes: true });
    expect(verifyModuleSignature(signed, rsa.certDer)).toEqual({
      verified: false,
      verdict: 'unsupported',
      reason: expect.stringContaining('has authattrs'),
    });
  });

  it('accepts the certificate as PEM text, PEM bytes and among several PEM blocks', () => {
    const signed = signSynthetic(module, rsa);
    expect(verifyModuleSignature(signed, pem(rsa.certDer)).verified).toBe(true);
    expect(verifyModuleSignature(signed, new TextEncoder().encode(pem(rsa.certDer))).verified).toBe(
      true,
    );
    expect(verifyModuleSignature(signed, pem(ec.certDer) + pem(rsa.certDer)).verified).toBe(true);
  });

  it('calls a certificate for another key with another serial an unknown key, naming both', () => {
    const signed = signSynthetic(module, rsa);
    const result = verifyModuleSignature(signed, ec.certDer);
    expect(result.verdict).toBe('unknown-key');
    expect(result.reason).toContain('serial 01:02');
    expect(result.reason).toContain('serial 03:04');
    expect(result.certificate).toBeUndefined();
  });

  it('says the signer name is the same but the key is not when only the key differs', () => {
    const other = makeSigner({ key: 'rsa', serial: [0x09] });
    const result = verifyModuleSignature(signSynthetic(module, rsa), other.certDer);
    expect(result.verdict).toBe('unknown-key');
    expect(result.reason).toMatch(/signer name is the same but the key is not/);
  });

  it('calls another key that claims the same issuer and serial a bad signature', () => {
    const impostor = makeSigner({ key: 'rsa', serial: [0x01, 0x02] });
    const result = verifyModuleSignature(signSynthetic(module, rsa), impostor.certDer);
    expect(result.verdict).toBe('bad-signature');
    expect(result.reason).toMatch(/does not match the module's content/);
  });

  it('calls a signature block copied from another module a bad signature', () => {
    const other = syntheticModule({ bits: 64, endian: 'little', machine: 62 }).bytes;
    const copied = appendSignature(other, makeCms(module, rsa));
    expect(verifyModuleSignature(copied, rsa.certDer).verdict).toBe('bad-signature');
  });

  it('calls another key named by subject key identifier an unknown key', () => {
    const signed = signSynthetic(module, rsa, { useKeyId: true });
    const result = verifyModuleSignature(signed, makeSigner().certDer);
    expect(result.verdict).toBe('unknown-key');
    expect(result.reason).toMatch(/^signed by subject key identifier [0-9A-F:]+, but the kernel/);
  });

  it('calls a signature whose algorithm does not fit the key a bad signature', () => {
    const der = makeCms(module, rsa, { signatureOid: '1.2.840.10045.4.3.2' });
    const result = verifyModuleSignature(appendSignature(module, der), rsa.certDer);
    expect(result.verdict).toBe('bad-signature');
    expect(result.reason).toMatch(/holds a rsa key but the signature is ecdsa-with-SHA256/);
  });

  it('calls an unknown signature algorithm unsupported, by name', () => {
    const der = makeCms(module, rsa, { signatureOid: '1.2.3.4' });
    const result = verifyModuleSignature(appendSignature(module, der), rsa.certDer);
    expect(result.verdict).toBe('unsupported');
    expect(result.reason).toMatch(/^signature algorithm 1\.2\.3\.4 is not one the kernel verifies/);
  });

  it('calls an unknown digest algorithm unsupported, by name', () => {
    const der = makeCms(module, rsa, { digestOid: '1.2.3.5' });
    const result = verifyModuleSignature(appendSignature(module, der), rsa.certDer);
    expect(result).toMatchObject({
      verdict: 'unsupported',
      reason: expect.stringContaining('1.2.3.5'),
    });
  });

  it('calls non-zero module_signature fields unsupported', () => {
    const signed = appendSignature(module, makeCms(module, rsa), { hash: 4 });
    expect(verifyModuleSignature(signed, rsa.certDer).verdict).toBe('unsupported');
  });

  it('says when the module is not signed', () => {
    expect(verifyModuleSignature(module, rsa.certDer)).toEqual({
      verified: false,
      verdict: 'unsigned',
      reason: 'the module is not signed',
    });
  });

  it('says when the signature cannot be read', () => {
    const result = verifyModuleSignature(appendSignature(module, Uint8Array.of(5, 0)), rsa.certDer);
    expect(result.verdict).toBe('unsupported');
    expect(result.reason).toMatch(
      /^the signature block cannot be read: signature is not a readable/,
    );
  });

  it('says the signature cannot be read when the signer issuer is shorter than it claims', () => {
    // Found by the fuzz test (FUZZ_SEED=1): the issuer Name's length cut by 4 put the serial
    // inside the Name, and the judge threw ("verification failed unexpectedly") where the CMS
    // reader should have refused the block.
    const der = makeCms(module, rsa).slice();
    const serial = Buffer.from(der).lastIndexOf(Buffer.of(0x02, 0x02, 0x01, 0x02));
    const name = der.findIndex((b, p) => b === 0x30 && p + 2 + (der[p + 1] ?? 0) === serial);
    expect(name).toBeGreaterThan(0);
    der[name + 1] = (der[name + 1] ?? 0) - 4;
    const result = verifyModuleSignature(appendSignature(module, der), rsa.certDer);
    expect(result.verdict).toBe('unsupported');
    expect(result.reason).toMatch(
      /^the signature block cannot be read: signature is not a readable PKCS#7 message: element at offset \d+ claims/,
    );
  });

  it.each([
    ['garbage bytes', new Uint8Array(32).fill(0x30)],
    ['text without a PEM block', 'hello'],
    ['a PEM block with broken base64 content', pem(new Uint8Array(40).fill(7))],
  ])('says when the certificate is %s', (_name, cert) => {
    const result = verifyModuleSignature(signSynthetic(module, rsa), cert);
    expect(result.verified).toBe(false);
    expect(result.reason).toMatch(/^the certificate cannot be read: /);
  });
});

describe('readModule and readModuleSummary with certificates', () => {
  const certificates = [readCertificate(ec.certDer), readCertificate(rsa.certDer)];
  const signed = signSynthetic(module, rsa, { hash: 'sha512' });

  it('add a verification only when certificates are given', async () => {
    expect((await readModule(signed)).verification).toBeUndefined();
    expect((await readModule(signed, { certificates })).verification).toEqual({
      verdict: 'verified',
      reason: expect.stringContaining('signature verified with'),
      certificate: certificates[1]?.sha256Fingerprint,
    });
  });

  it('verify a module that arrived in many pieces without joining it, and see a change in any piece', async () => {
    const cuts = [1, 7, 64, 65, 300, signed.length - 40, signed.length - 3];
    const pieces = (bytes: Uint8Array) =>
      [0, ...cuts].map((from, i) => bytes.subarray(from, cuts[i] ?? bytes.length));
    const summary = await readModuleSummary(pieces(signed), { certificates });
    expect(summary.verification?.verdict).toBe('verified');
    const changed = await readModuleSummary(pieces(flip(signed, 66)), { certificates });
    expect(changed.verification?.verdict).toBe('bad-signature');
  });

  it('judge a module signed by a revoked certificate an unknown key, even when it is also trusted', async () => {
    const revokedCertificates = [readCertificate(rsa.certDer)];
    for (const trusted of [certificates, [certificates[0]!]]) {
      for (const read of [readModule, readModuleSummary]) {
        const v = (await read(signed, { certificates: trusted, revokedCertificates })).verification;
        expect(v).toEqual({
          verdict: 'unknown-key',
          reason: expect.stringContaining('a certificate the kernel revokes'),
        });
        expect(v?.reason).toContain(revokedCertificates[0]!.sha256Fingerprint);
      }
    }
    // a revoked certificate that names the signer's issuer and serial but holds another key does
    // not refuse it: the kernel's blacklist check verifies the signature with the key it finds
    const impostor = [readCertificate(makeSigner({ key: 'rsa', serial: [0x01, 0x02] }).certDer)];
    expect(impostor[0]!.serialNumber).toBe(revokedCertificates[0]!.serialNumber);
    for (const read of [readModule, readModuleSummary]) {
      const v = (await read(signed, { certificates, revokedCertificates: impostor })).verification;
      expect(v?.verdict).toBe('verified');
    }
    // a revocation list that does not name the signer changes nothing
    const other = [readCertificate(ec.certDer)];
    expect(
      (await readModule(signed, { certificates, revokedCertificates: other })).verification
        ?.verdict,
    ).toBe('verified');
  });

  it('judge every signed module an unknown key against an empty certificate list', async () => {
    const summary = await readModuleSummary(signed, { certificates: [] });
    expect(summary.verification).toEqual({
      verdict: 'unknown-key',
      reason: expect.stringContaining('the kernel holds no certificate'),
    });
  });
});
