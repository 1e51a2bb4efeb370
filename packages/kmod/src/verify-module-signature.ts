import { constants, createHash, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type { VerifyResult } from './types';
import { colonHex } from './internal/bytes';
import { inspectSource } from './internal/inspect';
import type { ParsedCms } from './internal/signature/cms';
import { nodeDigest, signatureScheme } from './internal/signature/oids';
import { magnitude } from './internal/signature/names';
import { readTlv, valueBytes } from './internal/signature/der';
import { bufferSource } from './internal/source';
import { parseCertificate, type SignerCertificate } from './internal/verify/certificate';
import { isDataContentType, readSignedAttributes } from './internal/verify/signed-attributes';

/**
 * Checks a module's appended PKCS#7 signature against an X.509 certificate (PEM or DER) the way
 * the kernel does: the signer identifier must name this certificate (issuer and serial, or subject
 * key identifier), and the signature (RSA PKCS#1 v1.5, ECDSA or Ed25519, with or without signed
 * attributes) must verify over the module content. `data` is the decompressed module. Never throws.
 */
export function verifyModuleSignature(
  data: Uint8Array,
  certificate: Uint8Array | string,
): VerifyResult {
  try {
    const { info, trailer } = inspectSource(bufferSource(data));
    if (!trailer.signed) return fail('the module is not signed');
    const cms = trailer.cms;
    const signature = trailer.signature;
    if (!cms || !signature) {
      return fail(`the signature cannot be read: ${info.problems.join('; ') || 'not PKCS#7'}`);
    }
    let cert: SignerCertificate;
    try {
      cert = parseCertificate(certificate);
    } catch (e: unknown) {
      return fail(
        `the certificate cannot be read: ${message(e)}; pass a PEM or DER X.509 certificate`,
      );
    }
    const mismatch = signerMismatch(cms, cert);
    if (mismatch) return fail(mismatch);
    return checkSignature(cms, cert.publicKey, data.subarray(0, signature.contentLength));
  } catch (e: unknown) {
    return fail(`verification failed unexpectedly: ${message(e)}`);
  }
}

function signerMismatch(cms: ParsedCms, cert: SignerCertificate): string | undefined {
  if (cms.sid.kind === 'ski') {
    if (!cert.subjectKeyId) {
      return `the module names its key by subject key identifier ${cms.keyId}, but the certificate has no subjectKeyIdentifier extension`;
    }
    if (!sameBytes(cert.subjectKeyId, cms.sid.keyId)) {
      return `the module was signed by another key: its subject key identifier is ${cms.keyId}, the certificate's is ${colonHex(cert.subjectKeyId)}`;
    }
    return undefined;
  }
  const el = cms.sid.element;
  const seq = readTlv(el, 0, el.length);
  const issuer = readTlv(el, seq.valueStart, seq.valueEnd);
  const serial = readTlv(el, issuer.end, seq.valueEnd);
  const sameIssuer = sameBytes(el.subarray(issuer.start, issuer.end), cert.issuer);
  const sameSerial = sameBytes(valueBytes(el, serial), cert.serial);
  if (sameIssuer && sameSerial) return undefined;
  return `the module was signed by another key: signer "${cms.signer}" serial ${cms.keyId}, but the certificate has serial ${colonHex(magnitude(cert.serial))}${sameIssuer ? '' : ' and another issuer'}`;
}

function checkSignature(cms: ParsedCms, key: KeyObject, content: Uint8Array): VerifyResult {
  const digest = nodeDigest(cms.digestOid);
  if (!digest) return fail(`digest algorithm ${cms.hashAlgo} is not supported`);
  const scheme = signatureScheme(cms.signatureOid);
  if (!scheme) return fail(`signature algorithm ${cms.signatureAlgo} is not supported`);
  if (scheme.hash && scheme.hash !== digest) {
    return fail(`signature algorithm ${cms.signatureAlgo} does not match digest ${cms.hashAlgo}`);
  }
  if (key.asymmetricKeyType !== scheme.key) {
    return fail(
      `the certificate holds a ${key.asymmetricKeyType ?? 'unknown'} key but the signature is ${cms.signatureAlgo}`,
    );
  }
  let signed = content;
  if (cms.signedAttrs) {
    const attrs = readSignedAttributes(cms.signedAttrs);
    if (!isDataContentType(attrs.contentType)) {
      return fail('the signed attributes do not declare the content type as data');
    }
    const actual = createHash(digest).update(content).digest();
    if (!attrs.messageDigest || !sameBytes(attrs.messageDigest, actual)) {
      return fail(
        `the module content does not match the signed message digest (${cms.hashAlgo}): the module was changed after signing`,
      );
    }
    signed = attrs.signedBytes;
  }
  const ok =
    scheme.key === 'ed25519'
      ? verify(null, signed, key, cms.signature)
      : scheme.key === 'rsa'
        ? verify(digest, signed, { key, padding: constants.RSA_PKCS1_PADDING }, cms.signature)
        : verify(digest, signed, key, cms.signature);
  return ok
    ? { verified: true }
    : fail(
        'the signature does not match the module content: the module was changed after signing, or another key with the same identity signed it',
      );
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function fail(reason: string): VerifyResult {
  return { verified: false, reason };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
