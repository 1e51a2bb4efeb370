/**
 * X.509 certificates as the kernel's keyring and our reports see them. The kernel matches a
 * module's PKCS#7 signer by issuer + serial number (or subject key identifier, `sign-file -k`)
 * against the certificates compiled into it (linux certs/system_keyring.c, crypto/asymmetric_keys/
 * x509_public_key.c), so those are the identity fields kept here, with the public key to verify.
 */
import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { colonHex } from './internal/bytes';
import { magnitude } from './internal/signature/names';
import { parseCertificate } from './internal/verify/certificate';

/** A parsed certificate: identity, key and validity, formatted as reports show them. */
export interface CertificateInfo {
  /** The subject, one line, separators inside values escaped: `O = Sidero Labs\, Inc., CN = …`. */
  readonly subject: string;
  readonly issuer: string;
  /** The subject's commonName (what `modinfo -F signer` prints for modules it signed). */
  readonly commonName?: string;
  /** Serial number as `modinfo -F sig_key` prints a signer's: upper-case hex bytes joined by ':'. */
  readonly serialNumber: string;
  /** Subject key identifier in the same format, when the certificate has the extension. */
  readonly subjectKeyId?: string;
  /** `rsa`, `ec`, `ed25519`, … (node:crypto's asymmetricKeyType). */
  readonly keyType: string;
  /** RSA modulus bits or EC curve size. */
  readonly keyBits?: number;
  /** EC curve name (`prime256v1`, `secp384r1`). */
  readonly curve?: string;
  /** SHA-256 of the DER certificate, upper-case hex bytes joined by ':' (as `openssl x509 -fingerprint -sha256`). */
  readonly sha256Fingerprint: string;
  /** ISO 8601. */
  readonly notBefore: string;
  readonly notAfter: string;
  /** The DER encoding. */
  readonly der: Uint8Array;
  /** The public key, for signature checks. */
  readonly publicKey: KeyObject;
}

const curveBits: Readonly<Record<string, number>> = {
  prime256v1: 256,
  secp384r1: 384,
  secp521r1: 521,
};

function oneLine(name: string): string {
  return name
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.replace('=', ' = '))
    .join(', ');
}

function commonNameOf(name: string): string | undefined {
  const line = name.split('\n').find((l) => l.startsWith('CN='));
  // node:crypto escapes separators inside values (`Sidero Labs\, Inc.`); a name shows them bare
  return line?.slice(3).replace(/\\(.)/g, '$1');
}

/**
 * Parses one certificate (DER, or the first PEM `CERTIFICATE` block of a text or byte string).
 * Throws an Error with a readable message when it is not a valid X.509 certificate.
 */
export function readCertificate(input: Uint8Array | string): CertificateInfo {
  const signer = parseCertificate(input);
  const der = signer.der;
  const x = new X509Certificate(der);
  const details = x.publicKey.asymmetricKeyDetails;
  const keyType = x.publicKey.asymmetricKeyType ?? 'unknown';
  const bits =
    details?.modulusLength ?? (details?.namedCurve ? curveBits[details.namedCurve] : undefined);
  const cn = commonNameOf(x.subject);
  return {
    subject: oneLine(x.subject),
    issuer: oneLine(x.issuer),
    ...(cn !== undefined ? { commonName: cn } : {}),
    serialNumber: colonHex(magnitude(signer.serial)),
    ...(signer.subjectKeyId ? { subjectKeyId: colonHex(signer.subjectKeyId) } : {}),
    keyType,
    ...(bits !== undefined ? { keyBits: bits } : {}),
    ...(details?.namedCurve ? { curve: details.namedCurve } : {}),
    sha256Fingerprint: colonHex(createHash('sha256').update(der).digest()),
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
    der,
    publicKey: x.publicKey,
  };
}

/**
 * Parses every certificate in `input`: each PEM `CERTIFICATE` block of a text, or concatenated DER
 * certificates (the layout of the kernel's `system_certificate_list`). Throws when none is valid.
 */
export function readCertificates(input: Uint8Array | string): CertificateInfo[] {
  const text =
    typeof input === 'string'
      ? input
      : input[0] !== 0x30
        ? Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1')
        : undefined;
  if (text !== undefined) {
    const blocks = text.match(
      /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----[\s\S]*?-----END (?:X509 |TRUSTED )?CERTIFICATE-----/g,
    );
    if (!blocks) throw new Error('no PEM CERTIFICATE block found');
    return blocks.map((b) => readCertificate(b));
  }
  const out: CertificateInfo[] = [];
  let at = 0;
  const bytes = input as Uint8Array;
  while (at + 4 <= bytes.length && bytes[at] === 0x30 && bytes[at + 1] === 0x82) {
    const len = 4 + (((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0));
    if (at + len > bytes.length) break;
    out.push(readCertificate(bytes.subarray(at, at + len)));
    at += len;
  }
  if (out.length === 0) throw new Error('no DER certificate found (expected 30 82 …)');
  return out;
}
