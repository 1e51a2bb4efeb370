import { describe, expect, it } from '@jest/globals';
import { inspectModule, SIGNATURE_MARKER } from '@talos-kmod/kmod';
import { syntheticModule } from './helpers/synthetic-elf';
import { OIDS, appendSignature, makeCms, makeSigner, signSynthetic } from './helpers/synthetic-cms';

const unsigned = syntheticModule({ bits: 64, endian: 'little', machine: 62 }).bytes;
const rsa = makeSigner({ serial: [0x66, 0xac, 0x17, 0xf3] });

describe('appended signature', () => {
  it('formats signer, sig_key, sig_hashalgo and sig_id as modinfo does', () => {
    const signed = signSynthetic(unsigned, rsa, { hash: 'sha512' });
    const info = inspectModule(signed);
    expect(info.problems).toEqual([]);
    expect(info.signed).toBe(true);
    expect(info.signature).toMatchObject({
      algo: 0,
      hash: 0,
      idType: 2,
      idTypeName: 'PKCS#7',
      sigId: 'PKCS#7',
      signer: 'Build time throw-away kernel key',
      keyId: '66:AC:17:F3',
      keyIdSource: 'serial',
      hashAlgo: 'sha512',
      signatureAlgo: 'rsaEncryption',
      contentLength: unsigned.length,
      hasSignedAttributes: false,
    });
    expect(info.signature?.signature).toHaveLength(256);
    expect(info.name).toBe('acme');
  });

  it('identifies the key by subject key identifier when signed with -k', () => {
    const info = inspectModule(signSynthetic(unsigned, rsa, { useKeyId: true }));
    expect(info.signature?.keyIdSource).toBe('subjectKeyIdentifier');
    expect(info.signature?.keyId).toBe(
      [...rsa.subjectKeyId].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(':'),
    );
    expect(info.signature?.signer).toBe('');
  });

  it('names ECDSA signatures and signed attributes', () => {
    const ec = makeSigner({ key: 'ec' });
    const info = inspectModule(
      signSynthetic(unsigned, ec, { hash: 'sha384', signedAttributes: true }),
    );
    expect(info.problems).toEqual([expect.stringContaining('has authattrs')]);
    expect(info.signature).toMatchObject({
      hashAlgo: 'sha384',
      signatureAlgo: 'ecdsa-with-SHA384',
      hasSignedAttributes: true,
    });
  });

  it.each([
    [[0x00, 0x80, 0x01], '80:01'],
    [[0x00, 0x00, 0x05], '05'],
    [[0xff, 0x7f], '81'],
    [[0x01], '01'],
  ])('prints serial %j as a magnitude without leading zeros (%s)', (serial, keyId) => {
    const info = inspectModule(signSynthetic(unsigned, makeSigner({ serial })));
    expect(info.signature?.keyId).toBe(keyId);
  });

  it('falls back to the last issuer attribute when there is no commonName, like kmod', () => {
    const signer = makeSigner({
      name: [
        [OIDS.organization, 'Acme'],
        ['2.5.4.11', 'Kernel Team'],
      ],
    });
    expect(inspectModule(signSynthetic(unsigned, signer)).signature?.signer).toBe('Kernel Team');
  });

  it('prints a BMPString commonName as raw bytes up to the first NUL, like kmod', () => {
    const signer = makeSigner({ name: [[OIDS.commonName, 'Key', 'bmp']] });
    expect(inspectModule(signSynthetic(unsigned, signer)).signature?.signer).toBe('');
  });

  it('prints an unknown digest algorithm as its dotted OID', () => {
    const der = makeCms(unsigned, rsa, { digestOid: '1.2.3.4.5' });
    expect(inspectModule(appendSignature(unsigned, der)).signature?.hashAlgo).toBe('1.2.3.4.5');
  });

  it('is unsigned when the marker is missing', () => {
    const signed = signSynthetic(unsigned, rsa);
    const info = inspectModule(signed.subarray(0, signed.length - 1));
    expect(info.signed).toBe(false);
    expect(info.problems).toEqual([]);
  });
});

describe('broken signatures', () => {
  const der = makeCms(unsigned, rsa);
  const marker = new TextEncoder().encode(SIGNATURE_MARKER);

  it('reports a sig_len larger than the file', () => {
    const info = inspectModule(appendSignature(unsigned, der, { sigLen: 0x7fffffff }));
    expect(info.signed).toBe(true);
    expect(info.signature).toBeUndefined();
    expect(info.problems).toEqual([expect.stringContaining('sig_len 2147483647 is larger')]);
  });

  it('reports a zero sig_len', () => {
    const info = inspectModule(appendSignature(unsigned, der, { sigLen: 0 }));
    expect(info.problems).toEqual([expect.stringContaining('sig_len is 0')]);
  });

  it('reports a marker with a truncated signature block', () => {
    const info = inspectModule(Uint8Array.from([1, 2, 3, ...marker]));
    expect(info.signed).toBe(true);
    expect(info.problems).toContainEqual(
      expect.stringContaining('module_signature block is truncated'),
    );
  });

  it('tolerates an unknown id_type and says so', () => {
    const info = inspectModule(appendSignature(unsigned, der, { idType: 7 }));
    expect(info.signed).toBe(true);
    expect(info.signature?.idTypeName).toBe('unknown (7)');
    expect(info.signature?.idType).toBe(7);
    expect(info.problems).toEqual([expect.stringContaining('id_type is 7')]);
  });

  it('reports non-zero legacy fields on a PKCS#7 signature', () => {
    const info = inspectModule(appendSignature(unsigned, der, { hash: 4 }));
    expect(info.signature?.signer).toBe('Build time throw-away kernel key');
    expect(info.problems).toEqual([expect.stringContaining('non-zero')]);
  });

  it('reads a legacy X.509 id_type signature the way kmod does', () => {
    const legacy = new Uint8Array([...new TextEncoder().encode('Acme'), 0xab, 0xcd, 9, 9, 9]);
    const info = inspectModule(
      appendSignature(unsigned, legacy, {
        idType: 1,
        algo: 1,
        hash: 4,
        signerLen: 4,
        keyIdLen: 2,
        sigLen: 3,
      }),
    );
    expect(info.signature).toMatchObject({
      sigId: 'X509',
      signer: 'Acme',
      keyId: 'AB:CD',
      hashAlgo: 'sha256',
      signatureAlgo: 'RSA',
      contentLength: unsigned.length,
    });
  });

  it.each([
    ['garbage', new Uint8Array(64).fill(0x41), 'claims 65 bytes but only 62 remain'],
    ['a SET instead of a SEQUENCE', Uint8Array.from([0x31, 0x00]), 'expected ContentInfo SEQUENCE'],
    [
      'a length past the end',
      Uint8Array.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x06]),
      'claims',
    ],
    [
      'another content type',
      Uint8Array.from([
        0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
      ]),
      'not signedData',
    ],
    ['a truncated message', der.subarray(0, der.length - 40), 'remain'],
    [
      'deep nesting',
      Uint8Array.from({ length: 200 }, (_, i) => (i % 2 ? 0x80 : 0x30)),
      'nesting deeper than 32',
    ],
  ])('reports %s in the PKCS#7 message', (_name, body, message) => {
    const info = inspectModule(appendSignature(unsigned, body));
    expect(info.signed).toBe(true);
    expect(info.signature).toBeUndefined();
    expect(info.problems).toEqual([expect.stringContaining(message)]);
    expect(info.problems[0]).toMatch(/^signature is not a readable PKCS#7 message/);
  });
});
