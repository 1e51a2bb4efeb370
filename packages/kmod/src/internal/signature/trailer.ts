/**
 * The signature appended to a module (the kernel's include/linux/module_signature.h): the module
 * content, then `sig_len` bytes of PKCS#7, then a 12-byte `struct module_signature` (`sig_len`
 * big-endian), then the marker `~Module signature appended~\n`.
 */
import type { ModuleSignature } from '../../types';
import { bytesEqualAscii, colonHex, intReader, utf8 } from '../bytes';
import type { ByteSource } from '../source';
import { parseCms, type ParsedCms } from './cms';
import { OID_DATA } from './oids';

/** The marker at the very end of a signed module. */
export const SIGNATURE_MARKER = '~Module signature appended~\n';
const MARKER_LENGTH = SIGNATURE_MARKER.length;
const INFO_LENGTH = 12;
const PKEY_ID_PKCS7 = 2;
/** How kmod names id_type values in `sig_id`. */
const ID_TYPES = ['PGP', 'X509', 'PKCS#7'];

/** What the end of a module holds. */
export interface SignatureTrailer {
  signed: boolean;
  signature?: ModuleSignature;
  /** The parsed CMS (kept for verification). */
  cms?: ParsedCms;
}

/** True when the last bytes of `src` are the signature marker. */
export function hasSignatureMarker(src: ByteSource): boolean {
  return (
    src.size >= MARKER_LENGTH &&
    bytesEqualAscii(src.read(src.size - MARKER_LENGTH, MARKER_LENGTH), 0, SIGNATURE_MARKER)
  );
}

/** Reads the appended signature of `src`; anything wrong is pushed to `problems`. */
export function readSignatureTrailer(src: ByteSource, problems: string[]): SignatureTrailer {
  if (!hasSignatureMarker(src)) return { signed: false };
  if (src.size < MARKER_LENGTH + INFO_LENGTH) {
    problems.push('signature marker present but the module_signature block is truncated');
    return { signed: true };
  }
  const infoAt = src.size - MARKER_LENGTH - INFO_LENGTH;
  const info = src.read(infoAt, INFO_LENGTH);
  const r = intReader(info, false);
  const algo = r.u8(0);
  const hash = r.u8(1);
  const idType = r.u8(2);
  const signerLen = r.u8(3);
  const keyIdLen = r.u8(4);
  const sigLen = r.u32(8);
  if (sigLen === 0) {
    problems.push('module_signature.sig_len is 0');
    return { signed: true };
  }
  if (sigLen + signerLen + keyIdLen > infoAt) {
    problems.push(
      `module_signature.sig_len ${sigLen} is larger than the ${infoAt} bytes before the signature block`,
    );
    return { signed: true };
  }
  const idTypeName = idType === PKEY_ID_PKCS7 ? 'PKCS#7' : `unknown (${idType})`;
  if (idType !== PKEY_ID_PKCS7) {
    problems.push(
      `module_signature.id_type is ${idType}; the kernel only accepts PKCS#7 (2) signatures`,
    );
  } else if (algo || hash || signerLen || keyIdLen || info[5] || info[6] || info[7]) {
    problems.push(
      'module_signature has non-zero algo/hash/signer_len/key_id_len/padding; the kernel rejects PKCS#7 signatures with those set',
    );
  }
  const sigAt = infoAt - sigLen;
  const base = { algo, hash, idType, idTypeName, sigId: ID_TYPES[idType] ?? idTypeName };
  if (idType !== PKEY_ID_PKCS7) {
    return {
      signed: true,
      signature: legacySignature(src, base, sigAt, sigLen, signerLen, keyIdLen),
    };
  }
  const der = src.read(sigAt, sigLen);
  let cms: ParsedCms;
  try {
    cms = parseCms(der);
  } catch (e: unknown) {
    problems.push(`signature is not a readable PKCS#7 message: ${describe(e)}`);
    return { signed: true };
  }
  if (cms.attachedContent) {
    problems.push('PKCS#7 message embeds content; module signatures must be detached');
  }
  if (cms.contentType !== OID_DATA) {
    problems.push(
      `PKCS#7 content type is ${cms.contentType}, not data; the kernel rejects it ("Invalid module sig (not pkcs7-data)")`,
    );
  }
  if (cms.signedAttrs) {
    problems.push(
      'the signature carries signed attributes; kernels reject such module signatures ("Invalid module sig (has authattrs)") unless they waive that check',
    );
  }
  return {
    signed: true,
    cms,
    signature: {
      ...base,
      signer: cms.signer,
      keyId: cms.keyId,
      keyIdSource: cms.keyIdSource,
      hashAlgo: cms.hashAlgo,
      signatureAlgo: cms.signatureAlgo,
      signature: cms.signature,
      contentLength: sigAt - signerLen - keyIdLen,
      hasSignedAttributes: cms.signedAttrs !== undefined,
    },
  };
}

/** Legacy (pre-PKCS#7) layout: signer name, key id, then the raw signature, as kmod shows it. */
function legacySignature(
  src: ByteSource,
  base: Pick<ModuleSignature, 'algo' | 'hash' | 'idType' | 'idTypeName' | 'sigId'>,
  sigAt: number,
  sigLen: number,
  signerLen: number,
  keyIdLen: number,
): ModuleSignature {
  const keyIdAt = sigAt - keyIdLen;
  const signerAt = keyIdAt - signerLen;
  return {
    ...base,
    signer: utf8(src.read(signerAt, signerLen)),
    keyId: colonHex(src.read(keyIdAt, keyIdLen)),
    keyIdSource: base.idType === 1 ? 'subjectKeyIdentifier' : 'serial',
    hashAlgo: LEGACY_HASHES[base.hash] ?? `unknown (${base.hash})`,
    signatureAlgo: LEGACY_ALGOS[base.algo] ?? `unknown (${base.algo})`,
    signature: src.read(sigAt, sigLen),
    contentLength: signerAt,
    hasSignedAttributes: false,
  };
}

/** kmod's pkey_hash_algo and pkey_algo tables, indexed by module_signature.hash / .algo. */
const LEGACY_HASHES = [
  'md4',
  'md5',
  'sha1',
  'rmd160',
  'sha256',
  'sha384',
  'sha512',
  'sha224',
  'sm3',
];
const LEGACY_ALGOS = ['DSA', 'RSA'];

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
