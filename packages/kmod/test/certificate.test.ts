import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { readCertificate, readCertificates } from '@talos-kmod/kmod';

const dir = mkdtempSync(join(tmpdir(), 'kmod-cert-'));

/** A certificate made by openssl the way the kernel's certs/Makefile makes its signing key. */
function makeCert(name: string, newkey: string[]): { pem: string; der: Buffer } {
  const config = join(dir, `${name}.genkey`);
  writeFileSync(
    config,
    [
      '[ req ]',
      'distinguished_name = dn',
      'prompt = no',
      'x509_extensions = ext',
      '[ dn ]',
      'O = Sidero Labs, Inc.',
      `CN = ${name} key`,
      '[ ext ]',
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=digitalSignature',
      'subjectKeyIdentifier=hash',
      '',
    ].join('\n'),
  );
  const pemPath = join(dir, `${name}.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-new',
      '-nodes',
      '-x509',
      '-days',
      '30',
      '-batch',
      '-config',
      config,
      ...newkey,
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      pemPath,
    ],
    { stdio: 'pipe' },
  );
  const der = execFileSync('openssl', ['x509', '-in', pemPath, '-outform', 'DER']);
  return { pem: readFileSync(pemPath, 'utf8'), der };
}

/** What openssl says about a certificate: the oracle. */
function opensslFacts(pem: string): { serial: string; fingerprint: string; ski: string } {
  const out = execFileSync(
    'openssl',
    ['x509', '-noout', '-serial', '-fingerprint', '-sha256', '-ext', 'subjectKeyIdentifier'],
    { input: pem },
  ).toString();
  const serialHex = /serial=([0-9A-F]+)/i.exec(out)?.[1] ?? '';
  const even = serialHex.replace(/^(00)+(?=..)/, '');
  return {
    serial: ((even.length % 2 ? `0${even}` : even).toUpperCase().match(/../g) ?? []).join(':'),
    fingerprint: /Fingerprint=([0-9A-F:]+)/i.exec(out)?.[1] ?? '',
    ski: (/Identifier:\s*\n\s*([0-9A-F:]+)/i.exec(out)?.[1] ?? '').toUpperCase(),
  };
}

const rsa = makeCert('rsa', ['-newkey', 'rsa:2048']);
const ec = makeCert('ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp384r1']);

describe('readCertificate', () => {
  it.each([
    ['rsa', rsa, 'rsa', 2048],
    ['ec', ec, 'ec', 384],
  ] as const)('reads a %s certificate as openssl does', (name, cert, keyType, bits) => {
    const facts = opensslFacts(cert.pem);
    for (const input of [cert.pem, cert.der, Buffer.from(cert.pem)]) {
      const info = readCertificate(input);
      expect(info.serialNumber).toBe(facts.serial);
      expect(info.sha256Fingerprint).toBe(facts.fingerprint);
      expect(info.subjectKeyId).toBe(facts.ski);
      expect(info.keyType).toBe(keyType);
      expect(info.keyBits).toBe(bits);
      expect(info.commonName).toBe(`${name} key`);
      expect(info.subject).toBe(`O = Sidero Labs\\, Inc., CN = ${name} key`);
      expect(Buffer.from(info.der).equals(cert.der)).toBe(true);
      expect(Date.parse(info.notAfter)).toBeGreaterThan(Date.parse(info.notBefore));
    }
  });

  it('throws a readable error for bytes that are not a certificate', () => {
    // OpenSSL alone says "error:0480006C:PEM routines::no start line" for these
    expect(() => readCertificate(Buffer.from([0x30, 0x82, 0x00, 0x03, 1, 2, 3]))).toThrow(
      'not a valid DER X.509 certificate (7 bytes starting 30 82 00 03): OpenSSL cannot parse it',
    );
    expect(() => readCertificate(rsa.der.subarray(0, rsa.der.length - 1))).toThrow(
      /^not a valid DER X\.509 certificate \(\d+ bytes starting 30 82 /,
    );
    expect(() => readCertificate('hello')).toThrow(/no PEM CERTIFICATE block/);
  });
});

describe('readCertificates', () => {
  it('reads every PEM block of a bundle and concatenated DER as in system_certificate_list', () => {
    expect(readCertificates(rsa.pem + ec.pem).map((c) => c.keyType)).toEqual(['rsa', 'ec']);
    const list = Buffer.concat([rsa.der, ec.der]);
    expect(readCertificates(list).map((c) => c.sha256Fingerprint)).toEqual([
      opensslFacts(rsa.pem).fingerprint,
      opensslFacts(ec.pem).fingerprint,
    ]);
  });
});
