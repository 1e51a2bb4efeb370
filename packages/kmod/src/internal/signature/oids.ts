/**
 * Object identifiers the module-signature code needs, with OpenSSL's long names (what kmod prints
 * through OBJ_obj2txt) and node:crypto's digest names.
 */

export const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
export const OID_DATA = '1.2.840.113549.1.7.1';
export const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
export const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
export const OID_COMMON_NAME = '2.5.4.3';
export const OID_SUBJECT_KEY_IDENTIFIER = '2.5.29.14';

/** Digest algorithms: OpenSSL long name and node:crypto name. */
const DIGESTS: Record<string, { name: string; node?: string }> = {
  '1.2.840.113549.2.4': { name: 'md4' },
  '1.2.840.113549.2.5': { name: 'md5', node: 'md5' },
  '1.3.14.3.2.26': { name: 'sha1', node: 'sha1' },
  '1.3.36.3.2.1': { name: 'ripemd160', node: 'ripemd160' },
  '2.16.840.1.101.3.4.2.1': { name: 'sha256', node: 'sha256' },
  '2.16.840.1.101.3.4.2.2': { name: 'sha384', node: 'sha384' },
  '2.16.840.1.101.3.4.2.3': { name: 'sha512', node: 'sha512' },
  '2.16.840.1.101.3.4.2.4': { name: 'sha224', node: 'sha224' },
  '2.16.840.1.101.3.4.2.5': { name: 'sha512-224', node: 'sha512-224' },
  '2.16.840.1.101.3.4.2.6': { name: 'sha512-256', node: 'sha512-256' },
  '2.16.840.1.101.3.4.2.7': { name: 'sha3-224', node: 'sha3-224' },
  '2.16.840.1.101.3.4.2.8': { name: 'sha3-256', node: 'sha3-256' },
  '2.16.840.1.101.3.4.2.9': { name: 'sha3-384', node: 'sha3-384' },
  '2.16.840.1.101.3.4.2.10': { name: 'sha3-512', node: 'sha3-512' },
  '1.2.156.10197.1.401': { name: 'sm3', node: 'sm3' },
};

/** Signature algorithms: OpenSSL long name and the key type that verifies them. */
const SIGNATURES: Record<string, { name: string; key?: 'rsa' | 'ec' | 'ed25519'; hash?: string }> =
  {
    '1.2.840.113549.1.1.1': { name: 'rsaEncryption', key: 'rsa' },
    '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', key: 'rsa', hash: 'sha1' },
    '1.2.840.113549.1.1.10': { name: 'rsassaPss' },
    '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', key: 'rsa', hash: 'sha256' },
    '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', key: 'rsa', hash: 'sha384' },
    '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', key: 'rsa', hash: 'sha512' },
    '1.2.840.113549.1.1.14': { name: 'sha224WithRSAEncryption', key: 'rsa', hash: 'sha224' },
    '1.2.840.10045.2.1': { name: 'id-ecPublicKey', key: 'ec' },
    '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', key: 'ec', hash: 'sha1' },
    '1.2.840.10045.4.3.1': { name: 'ecdsa-with-SHA224', key: 'ec', hash: 'sha224' },
    '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', key: 'ec', hash: 'sha256' },
    '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', key: 'ec', hash: 'sha384' },
    '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', key: 'ec', hash: 'sha512' },
    '1.3.101.112': { name: 'ED25519', key: 'ed25519' },
    '1.3.101.113': { name: 'ED448' },
    '1.2.156.10197.1.501': { name: 'SM2-with-SM3' },
    '2.16.840.1.101.3.4.3.17': { name: 'ML-DSA-44' },
    '2.16.840.1.101.3.4.3.18': { name: 'ML-DSA-65' },
    '2.16.840.1.101.3.4.3.19': { name: 'ML-DSA-87' },
  };

/** OpenSSL's long name for a digest OID, or the dotted OID (as OBJ_obj2txt prints unknown ones). */
export function digestName(oid: string): string {
  return DIGESTS[oid]?.name ?? oid;
}

/** node:crypto's name for a digest OID, or undefined when we cannot compute it. */
export function nodeDigest(oid: string): string | undefined {
  return DIGESTS[oid]?.node;
}

/** OpenSSL's long name for a signature algorithm OID, or the dotted OID. */
export function signatureName(oid: string): string {
  return SIGNATURES[oid]?.name ?? oid;
}

/** The key type that verifies a signature algorithm, and the digest it implies (if any). */
export function signatureScheme(
  oid: string,
): { key: 'rsa' | 'ec' | 'ed25519'; hash?: string } | undefined {
  const s = SIGNATURES[oid];
  return s?.key ? { key: s.key, ...(s.hash ? { hash: s.hash } : {}) } : undefined;
}
