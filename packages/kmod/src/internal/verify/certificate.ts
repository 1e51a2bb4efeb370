/**
 * An X.509 certificate as verification needs it: the public key (node:crypto), the raw issuer Name
 * and serial number (the kernel matches a PKCS#7 issuerAndSerialNumber against these bytes), and
 * the subject key identifier extension (decoded with @peculiar/asn1-x509).
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { AsnParser } from '@peculiar/asn1-schema';
import { Certificate, SubjectKeyIdentifier } from '@peculiar/asn1-x509';
import { copyBytes } from '../alloc';
import { elementBytes, expectTlv, optionalTlv, valueBytes } from '../signature/der';
import { OID_SUBJECT_KEY_IDENTIFIER } from '../signature/oids';

/** What the signature checks need from a certificate. */
export interface SignerCertificate {
  /** The DER encoding. */
  der: Uint8Array;
  publicKey: KeyObject;
  /** The issuer Name element (tag, length, value). */
  issuer: Uint8Array;
  /** The serial number INTEGER's content bytes. */
  serial: Uint8Array;
  subjectKeyId?: Uint8Array;
}

/** Parses a PEM (text or bytes) or DER certificate; throws with a readable message when broken. */
export function parseCertificate(input: Uint8Array | string): SignerCertificate {
  const der = toDer(input);
  const publicKey = x509(der).publicKey;
  const cert = expectTlv(der, 0, der.length, 0x30, 'Certificate');
  const tbs = expectTlv(der, cert.valueStart, cert.valueEnd, 0x30, 'TBSCertificate');
  let at = tbs.valueStart;
  at = optionalTlv(der, at, tbs.valueEnd, 0xa0)?.end ?? at; // version
  const serial = expectTlv(der, at, tbs.valueEnd, 0x02, 'serialNumber');
  const sigAlg = expectTlv(der, serial.end, tbs.valueEnd, 0x30, 'signature');
  const issuer = expectTlv(der, sigAlg.end, tbs.valueEnd, 0x30, 'issuer');
  const parsed = AsnParser.parse(copyBytes(der), Certificate);
  const ext = parsed.tbsCertificate.extensions?.find(
    (e) => e.extnID === OID_SUBJECT_KEY_IDENTIFIER,
  );
  const ski = ext
    ? new Uint8Array(AsnParser.parse(ext.extnValue.buffer, SubjectKeyIdentifier).buffer)
    : undefined;
  return {
    der,
    publicKey,
    issuer: elementBytes(der, issuer),
    serial: valueBytes(der, serial),
    ...(ski ? { subjectKeyId: ski } : {}),
  };
}

/**
 * node:crypto's parse, with a message that says what was wrong: for bytes that are not DER it
 * reports only OpenSSL's last attempt ("PEM routines::no start line").
 */
function x509(der: Uint8Array): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    const head = Buffer.from(der.subarray(0, 4))
      .toString('hex')
      .replace(/(..)(?!$)/g, '$1 ');
    throw new Error(
      `not a valid DER X.509 certificate (${der.length} bytes starting ${head}): OpenSSL cannot parse it`,
    );
  }
}

function toDer(input: Uint8Array | string): Uint8Array {
  const text =
    typeof input === 'string'
      ? input
      : input.length > 0 && input[0] !== 0x30
        ? Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1')
        : undefined;
  if (text === undefined) return input as Uint8Array;
  const m =
    /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----([\s\S]*?)-----END (?:X509 |TRUSTED )?CERTIFICATE-----/.exec(
      text,
    );
  if (!m?.[1]) throw new Error('no PEM CERTIFICATE block found');
  return new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
}
