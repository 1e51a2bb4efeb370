/**
 * Decodes the signer identity with @peculiar/asn1-cms and formats it the way kmod does: the
 * issuer's commonName as raw bytes up to the first NUL (kmod prints ASN1_STRING data as a C
 * string), falling back to the last attribute when there is no commonName; the serial number as a
 * big-endian magnitude without leading zero bytes (OpenSSL's BN_bn2bin).
 *
 * Every module of one kernel build shares the same issuer and serial, so decoded results are cached
 * by their DER bytes: the ASN.1 library runs once per key, not once per module.
 */
import { AsnParser } from '@peculiar/asn1-schema';
import { IssuerAndSerialNumber } from '@peculiar/asn1-cms';
import { AlgorithmIdentifier, type AttributeValue } from '@peculiar/asn1-x509';
import { copyBytes } from '../alloc';
import { colonHex } from '../bytes';
import { OID_COMMON_NAME } from './oids';
import { readTlv } from './der';

const CACHE_LIMIT = 256;
const sidCache = new Map<string, { signer: string; keyId: string }>();
const algCache = new Map<string, string>();

function cached<T>(cache: Map<string, T>, key: Uint8Array, make: () => T): T {
  // Consecutive modules of one kernel almost always repeat the previous key: compare bytes first.
  const last = lastHit.get(cache);
  if (last && sameBytes(last.key, key)) return last.value as T;
  const k = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
  let value = cache.get(k);
  if (value === undefined) {
    value = make();
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(k, value);
  }
  lastHit.set(cache, { key: Uint8Array.from(key), value });
  return value;
}

const lastHit = new WeakMap<Map<string, unknown>, { key: Uint8Array; value: unknown }>();

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Decodes an IssuerAndSerialNumber element into kmod's signer and sig_key strings. */
export function decodeIssuerAndSerial(element: Uint8Array): { signer: string; keyId: string } {
  return cached(sidCache, element, () => {
    const is = AsnParser.parse(copyBytes(element), IssuerAndSerialNumber);
    return {
      signer: signerOf(is),
      keyId: colonHex(magnitude(new Uint8Array(is.serialNumber))),
    };
  });
}

/** Decodes an AlgorithmIdentifier element to its dotted OID. */
export function decodeAlgorithmOid(element: Uint8Array): string {
  return cached(
    algCache,
    element,
    () => AsnParser.parse(copyBytes(element), AlgorithmIdentifier).algorithm,
  );
}

function signerOf(is: IssuerAndSerialNumber): string {
  const entries = is.issuer.flatMap((rdn) => [...rdn]);
  const cn = entries.find((e) => e.type === OID_COMMON_NAME) ?? entries.at(-1);
  return cn ? cString(rawStringBytes(cn.value)) : '';
}

/** The bytes OpenSSL keeps for an attribute value (its ASN1_STRING data). */
function rawStringBytes(v: AttributeValue): Buffer {
  if (v.utf8String !== undefined) return Buffer.from(v.utf8String, 'utf8');
  if (v.printableString !== undefined) return Buffer.from(v.printableString, 'utf8');
  if (v.ia5String !== undefined) return Buffer.from(v.ia5String, 'utf8');
  if (v.teletexString !== undefined) return Buffer.from(v.teletexString, 'latin1');
  if (v.bmpString !== undefined) return Buffer.from(v.bmpString, 'utf16le').swap16();
  if (v.universalString !== undefined) {
    const cps = [...v.universalString].map((c) => c.codePointAt(0) ?? 0);
    const out = Buffer.alloc(cps.length * 4);
    cps.forEach((cp, i) => out.writeUInt32BE(cp, i * 4));
    return out;
  }
  if (v.anyValue !== undefined) {
    const der = new Uint8Array(v.anyValue);
    const tlv = readTlv(der, 0, der.length);
    return Buffer.from(der.subarray(tlv.valueStart, tlv.valueEnd));
  }
  return Buffer.alloc(0);
}

function cString(bytes: Buffer): string {
  const nul = bytes.indexOf(0);
  return (nul < 0 ? bytes : bytes.subarray(0, nul)).toString('utf8');
}

/** An INTEGER's two's-complement content as an unsigned big-endian magnitude, no leading zeros. */
export function magnitude(content: Uint8Array): Uint8Array {
  if (content.length > 0 && (content[0] ?? 0) & 0x80) {
    const out = Uint8Array.from(content, (b) => ~b & 0xff);
    for (let i = out.length - 1; i >= 0; i--) {
      out[i] = ((out[i] ?? 0) + 1) & 0xff;
      if (out[i] !== 0) break;
    }
    return stripZeros(out);
  }
  return stripZeros(content);
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return b.subarray(i);
}
