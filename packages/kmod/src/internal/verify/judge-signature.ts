/**
 * The verdict on a module's signature against the certificates a kernel trusts, reached the way
 * the kernel reaches it (linux kernel/module/signing.c → crypto/asymmetric_keys/pkcs7_verify.c):
 * the appended block must be PKCS#7 with detached id-data content and no authenticated
 * attributes; the SignerInfo names the key by issuer + serial number (or subject key identifier);
 * the signature over every byte before the PKCS#7 blob must verify with that certificate's key.
 * Hashing streams over the module's pieces: nothing is joined or copied.
 */
import { createVerify, timingSafeEqual } from 'node:crypto';
import type { CertificateInfo } from '../../certificate';
import type { SignatureVerification } from '../../types';
import type { ParsedCms } from '../signature/cms';
import { magnitude } from '../signature/names';
import { OID_DATA, nodeDigest, signatureScheme } from '../signature/oids';
import type { SignatureTrailer } from '../signature/trailer';
import { parseCertificate, type SignerCertificate } from './certificate';

/**
 * Feeds the first `length` bytes of the module to `sink`, in order, as views of the pieces the
 * module is held in.
 */
export type ContentFeed = (length: number, sink: (piece: Uint8Array) => void) => void;

/** A feed over one buffer. */
export function bufferFeed(data: Uint8Array): ContentFeed {
  return (length, sink) => sink(data.subarray(0, length));
}

/** A feed over consecutive pieces (a stream's chunks). */
export function piecesFeed(pieces: readonly Uint8Array[]): ContentFeed {
  return (length, sink) => {
    let left = length;
    for (const p of pieces) {
      if (left <= 0) break;
      const n = Math.min(p.length, left);
      sink(n === p.length ? p : p.subarray(0, n));
      left -= n;
    }
  };
}

const parsed = new WeakMap<CertificateInfo, SignerCertificate | null>();

/** The identity fields of `cert` as the kernel matches them; null when its DER does not parse. */
function signerOf(cert: CertificateInfo): SignerCertificate | null {
  let s = parsed.get(cert);
  if (s === undefined) {
    try {
      s = parseCertificate(cert.der);
    } catch {
      s = null;
    }
    parsed.set(cert, s);
  }
  return s;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The certificate the SignerInfo names, if any of `certificates` is it. */
function findCertificate(
  cms: ParsedCms,
  certificates: readonly CertificateInfo[],
): { info: CertificateInfo; signer: SignerCertificate } | undefined {
  const sid = cms.sid;
  const issuer = sid.kind === 'issuerAndSerial' ? sid.issuer : undefined;
  const serial = sid.kind === 'issuerAndSerial' ? sid.serial : undefined;
  for (const info of certificates) {
    const signer = signerOf(info);
    if (!signer) continue;
    if (sid.kind === 'ski') {
      if (signer.subjectKeyId && sameBytes(signer.subjectKeyId, sid.keyId)) return { info, signer };
    } else if (
      issuer &&
      serial &&
      sameBytes(signer.issuer, issuer) &&
      sameBytes(magnitude(signer.serial), magnitude(serial))
    ) {
      return { info, signer };
    }
  }
  return undefined;
}

function describeCertificate(c: CertificateInfo): string {
  return `"${c.commonName ?? c.subject}" serial ${c.serialNumber}`;
}

function moduleSigner(cms: ParsedCms): string {
  return cms.sid.kind === 'ski'
    ? `subject key identifier ${cms.keyId}`
    : `"${cms.signer}" serial ${cms.keyId}`;
}

function unknownKey(cms: ParsedCms, certificates: readonly CertificateInfo[]): string {
  if (certificates.length === 0) {
    return `signed by ${moduleSigner(cms)}, but the kernel holds no certificate at all (built without CONFIG_MODULE_SIG?), so it can verify no module`;
  }
  const theirs = certificates.map(describeCertificate).join(', ');
  const sameName =
    cms.sid.kind === 'issuerAndSerial' &&
    certificates.some((c) => c.commonName !== undefined && c.commonName === cms.signer);
  return (
    `signed by ${moduleSigner(cms)}, but the kernel trusts only ${theirs}` +
    (sameName
      ? ': the signer name is the same but the key is not, so the module comes from another kernel build'
      : ': the module was signed by a key this kernel does not hold')
  );
}

/** Why the kernel refuses the signature block before it looks for a key, if it does. */
function refusal(trailer: SignatureTrailer, problems: readonly string[]): string | undefined {
  const sig = trailer.signature;
  const cms = trailer.cms;
  if (sig && sig.idType !== 2) {
    return `the signature is of type ${sig.idTypeName}; the kernel accepts only PKCS#7 module signatures`;
  }
  if (!sig || !cms) {
    const why = problems.find((p) => /signature|PKCS#7/.test(p));
    return `the signature block cannot be read${why ? `: ${why}` : ''}`;
  }
  if (sig.algo || sig.hash || problems.some((p) => p.startsWith('module_signature has non-zero'))) {
    return 'module_signature has non-zero algo/hash/signer_len/key_id_len fields, which the kernel refuses for PKCS#7 ("Invalid module signature format")';
  }
  if (cms.attachedContent)
    return 'the PKCS#7 message embeds content; module signatures are detached';
  if (cms.contentType !== OID_DATA) {
    return `the PKCS#7 content type is ${cms.contentType}, not data ("Invalid module sig (not pkcs7-data)")`;
  }
  if (cms.signedAttrs) {
    return 'the signature carries authenticated attributes, which the kernel refuses for modules ("Invalid module sig (has authattrs)")';
  }
  return undefined;
}

/**
 * True when `info`'s key verifies the signature over the first `length` bytes of the content
 * (the key type and hash the signature algorithm names must be the certificate's and the digest's).
 */
function keyVerifies(
  info: CertificateInfo,
  digest: string,
  scheme: { key: string; hash?: string },
  length: number,
  cms: ParsedCms,
  feed: ContentFeed,
): boolean {
  const key = info.publicKey;
  if ((scheme.hash && scheme.hash !== digest) || key.asymmetricKeyType !== scheme.key) return false;
  try {
    const v = createVerify(digest);
    feed(length, (piece) => v.update(piece));
    // RSA keys verify with PKCS#1 v1.5 padding by default; the KeyObject itself, not an options
    // object around it, spares node:crypto preparing the key again for every module (~20 µs each)
    return v.verify(key, cms.signature);
  } catch {
    return false;
  }
}

/**
 * Judges the signature described by `trailer` (with the reader's `problems`) against
 * `certificates`, hashing the content through `feed`. Never throws.
 */
export function judgeSignature(
  trailer: SignatureTrailer,
  problems: readonly string[],
  feed: ContentFeed,
  certificates: readonly CertificateInfo[],
  revoked: readonly CertificateInfo[] = [],
): SignatureVerification {
  if (!trailer.signed) return { verdict: 'unsigned', reason: 'the module is not signed' };
  const refused = refusal(trailer, problems);
  const cms = trailer.cms;
  const sig = trailer.signature;
  if (refused || !cms || !sig) {
    return { verdict: 'unsupported', reason: refused ?? 'the signature block cannot be read' };
  }
  const digest = nodeDigest(cms.digestOid);
  const scheme = signatureScheme(cms.signatureOid);
  if (!digest) {
    return { verdict: 'unsupported', reason: `digest algorithm ${cms.hashAlgo} is not supported` };
  }
  if (!scheme || scheme.key === 'ed25519') {
    return {
      verdict: 'unsupported',
      reason: `signature algorithm ${cms.signatureAlgo} is not one the kernel verifies module signatures with (RSA PKCS#1 v1.5 or ECDSA)`,
    };
  }
  // the kernel refuses a signer on its revocation list whatever else holds (certs/system_keyring.c
  // verify_pkcs7_message_sig → is_key_on_revocation_list → pkcs7_validate_trust on the blacklist
  // keyring): a key found there by the signer's id counts only when it verifies the signature
  const revokedBy = revoked.length > 0 ? findCertificate(cms, revoked) : undefined;
  if (revokedBy && keyVerifies(revokedBy.info, digest, scheme, sig.contentLength, cms, feed)) {
    return {
      verdict: 'unknown-key',
      reason: `signed by ${describeCertificate(revokedBy.info)} (SHA-256 ${revokedBy.info.sha256Fingerprint}), a certificate the kernel revokes (its revocation_certificate_list, CONFIG_SYSTEM_REVOCATION_KEYS): the kernel refuses the module (EKEYREJECTED); sign it with a key the kernel trusts`,
    };
  }
  const found = findCertificate(cms, certificates);
  if (!found) return { verdict: 'unknown-key', reason: unknownKey(cms, certificates) };
  const certificate = found.info.sha256Fingerprint;
  const key = found.info.publicKey;
  if (scheme.hash && scheme.hash !== digest) {
    return {
      verdict: 'bad-signature',
      reason: `the signature algorithm ${cms.signatureAlgo} does not match the digest ${cms.hashAlgo}`,
      certificate,
    };
  }
  if (key.asymmetricKeyType !== scheme.key) {
    return {
      verdict: 'bad-signature',
      reason: `the certificate ${describeCertificate(found.info)} holds a ${key.asymmetricKeyType ?? 'unknown'} key but the signature is ${cms.signatureAlgo}`,
      certificate,
    };
  }
  if (keyVerifies(found.info, digest, scheme, sig.contentLength, cms, feed)) {
    return {
      verdict: 'verified',
      reason: `signature verified with ${describeCertificate(found.info)} (${cms.hashAlgo})`,
      certificate,
    };
  }
  return {
    verdict: 'bad-signature',
    reason: `the ${cms.hashAlgo} signature by ${describeCertificate(found.info)} does not match the module's content: the module was changed after signing (e.g. stripped with strip after sign-file, or patched), or its signature block was copied from another module`,
    certificate,
  };
}
