/**
 * Locates the parts of a module's PKCS#7/CMS SignedData (RFC 5652) that modinfo shows and that
 * verification needs: the first SignerInfo's identifier, digest and signature algorithms, signed
 * attributes and signature value. Structure is walked with the bounded DER reader; identifier and
 * algorithm elements are decoded with @peculiar/asn1-cms and asn1-x509.
 */
import { colonHex } from '../bytes';
import {
  DerError,
  decodeOid,
  elementBytes,
  expectTlv,
  optionalTlv,
  readTlv,
  valueBytes,
} from './der';
import { decodeAlgorithmOid, decodeIssuerAndSerial } from './names';
import { OID_SIGNED_DATA, digestName, signatureName } from './oids';

const SEQUENCE = 0x30;
const SET = 0x31;
const INTEGER = 0x02;
const OID = 0x06;
const OCTET_STRING = 0x04;
const CTX0 = 0xa0;
const CTX1 = 0xa1;
const CTX0_PRIMITIVE = 0x80;

/** The first signer of a SignedData, as views into the DER. */
export interface ParsedCms {
  signer: string;
  keyId: string;
  keyIdSource: 'serial' | 'subjectKeyIdentifier';
  /** The raw key identifier (serial magnitude or SKID bytes) for matching certificates. */
  sid:
    | {
        kind: 'issuerAndSerial';
        /** The issuer Name element (identifier to end) and the serial INTEGER's value. */
        issuer: Uint8Array;
        serial: Uint8Array;
      }
    | { kind: 'ski'; keyId: Uint8Array };
  digestOid: string;
  hashAlgo: string;
  signatureOid: string;
  signatureAlgo: string;
  /** The AlgorithmIdentifier element of the signature algorithm (parameters for RSASSA-PSS). */
  signatureAlgorithm: Uint8Array;
  signature: Uint8Array;
  /** The whole `[0] IMPLICIT SET OF Attribute` element when present. */
  signedAttrs?: Uint8Array;
  /** True when the SignedData embeds the content (module signatures are detached). */
  attachedContent: boolean;
  /** The encapsulated content type (the kernel requires id-data). */
  contentType: string;
  signerCount: number;
}

/** Parses a CMS ContentInfo holding SignedData; throws DerError (or a decoder error) when broken. */
export function parseCms(der: Uint8Array): ParsedCms {
  const ci = expectTlv(der, 0, der.length, SEQUENCE, 'ContentInfo SEQUENCE');
  const type = expectTlv(der, ci.valueStart, ci.valueEnd, OID, 'contentType');
  const typeOid = decodeOid(valueBytes(der, type));
  if (typeOid !== OID_SIGNED_DATA) {
    throw new DerError(`content type is ${typeOid || 'malformed'}, not signedData`);
  }
  const wrapper = expectTlv(der, type.end, ci.valueEnd, CTX0, 'content [0]');
  const sd = expectTlv(der, wrapper.valueStart, wrapper.valueEnd, SEQUENCE, 'SignedData');
  const version = expectTlv(der, sd.valueStart, sd.valueEnd, INTEGER, 'SignedData version');
  const digests = expectTlv(der, version.end, sd.valueEnd, SET, 'digestAlgorithms');
  const encap = expectTlv(der, digests.end, sd.valueEnd, SEQUENCE, 'encapContentInfo');
  const eType = expectTlv(der, encap.valueStart, encap.valueEnd, OID, 'eContentType');
  const attachedContent = eType.end < encap.valueEnd;
  let at = encap.end;
  at = optionalTlv(der, at, sd.valueEnd, CTX0)?.end ?? at; // certificates
  at = optionalTlv(der, at, sd.valueEnd, CTX1)?.end ?? at; // crls
  const infos = expectTlv(der, at, sd.valueEnd, SET, 'signerInfos');
  if (infos.valueStart === infos.valueEnd) throw new DerError('SignedData has no SignerInfo');
  let signerCount = 0;
  for (let p = infos.valueStart; p < infos.valueEnd; p = readTlv(der, p, infos.valueEnd).end) {
    signerCount++;
  }
  return {
    ...parseSignerInfo(der, infos.valueStart, infos.valueEnd),
    attachedContent,
    contentType: decodeOid(valueBytes(der, eType)),
    signerCount,
  };
}

function parseSignerInfo(
  der: Uint8Array,
  at: number,
  limit: number,
): Omit<ParsedCms, 'attachedContent' | 'contentType' | 'signerCount'> {
  const si = expectTlv(der, at, limit, SEQUENCE, 'SignerInfo');
  const version = expectTlv(der, si.valueStart, si.valueEnd, INTEGER, 'SignerInfo version');
  const sidTlv = readTlv(der, version.end, si.valueEnd);
  let identity: Pick<ParsedCms, 'signer' | 'keyId' | 'keyIdSource' | 'sid'>;
  if (sidTlv.id === SEQUENCE) {
    // Located here, where a DerError becomes a problem: IssuerAndSerialNumber ::= SEQUENCE
    // { issuer Name, serialNumber INTEGER } (RFC 5652 §10.2.4), nothing after them.
    const issuer = expectTlv(der, sidTlv.valueStart, sidTlv.valueEnd, SEQUENCE, 'signer issuer');
    const serial = expectTlv(der, issuer.end, sidTlv.valueEnd, INTEGER, 'signer serial number');
    if (serial.end !== sidTlv.valueEnd) {
      throw new DerError(`IssuerAndSerialNumber at offset ${sidTlv.start} has trailing bytes`);
    }
    const element = elementBytes(der, sidTlv);
    identity = {
      ...decodeIssuerAndSerial(element),
      keyIdSource: 'serial',
      sid: {
        kind: 'issuerAndSerial',
        issuer: elementBytes(der, issuer),
        serial: valueBytes(der, serial),
      },
    };
  } else if (sidTlv.id === CTX0_PRIMITIVE) {
    const keyId = valueBytes(der, sidTlv);
    identity = {
      signer: '',
      keyId: colonHex(keyId),
      keyIdSource: 'subjectKeyIdentifier',
      sid: { kind: 'ski', keyId },
    };
  } else {
    throw new DerError(`unknown SignerIdentifier (tag 0x${sidTlv.id.toString(16)})`);
  }
  const digest = expectTlv(der, sidTlv.end, si.valueEnd, SEQUENCE, 'digestAlgorithm');
  const attrs = optionalTlv(der, digest.end, si.valueEnd, CTX0);
  const sigAlg = expectTlv(
    der,
    attrs?.end ?? digest.end,
    si.valueEnd,
    SEQUENCE,
    'signatureAlgorithm',
  );
  const sig = expectTlv(der, sigAlg.end, si.valueEnd, OCTET_STRING, 'signature OCTET STRING');
  const digestOid = decodeAlgorithmOid(elementBytes(der, digest));
  const signatureAlgorithm = elementBytes(der, sigAlg);
  const signatureOid = decodeAlgorithmOid(signatureAlgorithm);
  return {
    ...identity,
    digestOid,
    hashAlgo: digestName(digestOid),
    signatureOid,
    signatureAlgo: signatureName(signatureOid),
    signatureAlgorithm,
    signature: valueBytes(der, sig),
    ...(attrs ? { signedAttrs: elementBytes(der, attrs) } : {}),
  };
}
