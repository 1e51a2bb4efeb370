import { describe, expect, it } from '@jest/globals';
import { verifyModuleSignature } from '@talos-kmod/kmod';
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

describe('verifyModuleSignature', () => {
  const cases = [
    { key: 'rsa', hash: 'sha256', signedAttributes: false, useKeyId: false },
    { key: 'rsa', hash: 'sha512', signedAttributes: false, useKeyId: true },
    { key: 'rsa', hash: 'sha384', signedAttributes: true, useKeyId: false },
    { key: 'ec', hash: 'sha256', signedAttributes: false, useKeyId: false },
    { key: 'ec', hash: 'sha384', signedAttributes: true, useKeyId: true },
  ] as const;

  it.each(cases)(
    'verifies $key/$hash (signed attributes: $signedAttributes, key id: $useKeyId) and rejects a tampered byte',
    ({ key, hash, signedAttributes, useKeyId }) => {
      const signer = key === 'ec' ? ec : rsa;
      const signed = signSynthetic(module, signer, { hash, signedAttributes, useKeyId });
      expect(verifyModuleSignature(signed, signer.certDer)).toEqual({ verified: true });
      const tampered = signed.slice();
      tampered[200] = (tampered[200] ?? 0) ^ 0x01;
      const result = verifyModuleSignature(tampered, signer.certDer);
      expect(result.verified).toBe(false);
      expect(result.reason).toMatch(/changed after signing/);
    },
  );

  it('accepts the certificate as PEM text and as PEM bytes', () => {
    const signed = signSynthetic(module, rsa);
    expect(verifyModuleSignature(signed, pem(rsa.certDer)).verified).toBe(true);
    expect(verifyModuleSignature(signed, new TextEncoder().encode(pem(rsa.certDer))).verified).toBe(
      true,
    );
  });

  it('rejects a certificate for another key with another serial', () => {
    const signed = signSynthetic(module, rsa);
    const result = verifyModuleSignature(signed, ec.certDer);
    expect(result).toEqual({
      verified: false,
      reason: expect.stringContaining('signed by another key'),
    });
  });

  it('rejects another key that claims the same issuer and serial', () => {
    const impostor = makeSigner({ key: 'rsa', serial: [0x01, 0x02] });
    const result = verifyModuleSignature(signSynthetic(module, rsa), impostor.certDer);
    expect(result.verified).toBe(false);
    expect(result.reason).toMatch(/does not match the module content/);
  });

  it('rejects another key when the module names its key by subject key identifier', () => {
    const signed = signSynthetic(module, rsa, { useKeyId: true });
    const result = verifyModuleSignature(signed, makeSigner().certDer);
    expect(result.reason).toMatch(/subject key identifier .* the certificate's is/);
  });

  it('rejects a signature whose algorithm does not fit the key', () => {
    const der = makeCms(module, rsa, { signatureOid: '1.2.840.10045.4.3.2' });
    const result = verifyModuleSignature(appendSignature(module, der), rsa.certDer);
    expect(result.reason).toMatch(/holds a rsa key but the signature is ecdsa-with-SHA256/);
  });

  it('rejects an unsupported signature algorithm by name', () => {
    const der = makeCms(module, rsa, { signatureOid: '1.2.3.4' });
    const result = verifyModuleSignature(appendSignature(module, der), rsa.certDer);
    expect(result.reason).toBe('signature algorithm 1.2.3.4 is not supported');
  });

  it('says when the module is not signed', () => {
    expect(verifyModuleSignature(module, rsa.certDer)).toEqual({
      verified: false,
      reason: 'the module is not signed',
    });
  });

  it('says when the signature cannot be read', () => {
    const result = verifyModuleSignature(appendSignature(module, Uint8Array.of(5, 0)), rsa.certDer);
    expect(result.reason).toMatch(/^the signature cannot be read: signature is not a readable/);
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
