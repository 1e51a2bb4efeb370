/**
 * CMS signed attributes (RFC 5652 §5.4): when present, the signature covers their DER encoding as
 * a SET OF (tag 0x31 instead of the [0] the SignerInfo uses), and the messageDigest attribute must
 * equal the digest of the module content.
 */
import { AsnParser, OctetString } from '@peculiar/asn1-schema';
import { Attribute } from '@peculiar/asn1-cms';
import { copyBytes } from '../alloc';
import { decodeOid, readTlv, valueBytes } from '../signature/der';
import { OID_CONTENT_TYPE, OID_DATA, OID_MESSAGE_DIGEST } from '../signature/oids';

/** The bytes the signature covers, and the content digest the attributes promise. */
export interface SignedAttributesCheck {
  signedBytes: Uint8Array;
  messageDigest?: Uint8Array;
  contentType?: string;
}

/** Re-tags the `[0]` element as a SET and extracts messageDigest and contentType. */
export function readSignedAttributes(element: Uint8Array): SignedAttributesCheck {
  const signedBytes = copyBytes(element);
  signedBytes[0] = 0x31;
  const set = readTlv(signedBytes, 0, signedBytes.length);
  const result: SignedAttributesCheck = { signedBytes };
  for (let at = set.valueStart; at < set.valueEnd;) {
    const tlv = readTlv(signedBytes, at, set.valueEnd);
    const attr = AsnParser.parse(signedBytes.subarray(tlv.start, tlv.end), Attribute);
    const first = attr.attrValues[0];
    if (first && attr.attrType === OID_MESSAGE_DIGEST) {
      result.messageDigest = new Uint8Array(AsnParser.parse(first, OctetString).buffer);
    } else if (first && attr.attrType === OID_CONTENT_TYPE) {
      const v = new Uint8Array(first);
      result.contentType = decodeOid(valueBytes(v, readTlv(v, 0, v.length)));
    }
    at = tlv.end;
  }
  return result;
}

/** True when the attributes name plain data as the content type (the kernel requires it). */
export function isDataContentType(oid: string | undefined): boolean {
  return oid === OID_DATA;
}
