/**
 * Builds X.509 certificates and detached CMS SignedData for unit tests with @peculiar/asn1-* and
 * node:crypto keys, and appends them to a module the way sign-file does. The end-to-end tests use
 * the kernel's real sign-file and openssl; these exist to reach cases sign-file cannot produce
 * (signed attributes, odd names and serials, unknown algorithms, broken structures).
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { AsnConvert, AsnParser, OctetString } from '@peculiar/asn1-schema';
import {
  Attribute,
  CMSVersion,
  ContentInfo,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
  DigestAlgorithmIdentifiers,
} from '@peculiar/asn1-cms';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  Certificate,
  Extension,
  Extensions,
  Name,
  RelativeDistinguishedName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';

export const OIDS = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
} as const;

/** A key pair with its certificate. */
export interface TestSigner {
  privateKey: KeyObject;
  certDer: Uint8Array;
  issuer: Name;
  serial: Uint8Array;
  subjectKeyId: Uint8Array;
}

/** Name attributes in order: [oid, value, kind] (kind: 'utf8' | 'printable' | 'bmp'). */
export type NameSpec = [string, string, ('utf8' | 'printable' | 'bmp')?][];

/** Makes a self-signed certificate for a fresh RSA or EC key. */
export function makeSigner(
  options: { key?: 'rsa' | 'ec'; serial?: number[]; name?: NameSpec } = {},
): TestSigner {
  const { privateKey, publicKey } =
    options.key === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const issuer = makeName(
    options.name ?? [
      [OIDS.organization, 'Sidero Labs, Inc.'],
      [OIDS.commonName, 'Build time throw-away kernel key'],
    ],
  );
  const serial = Uint8Array.from(options.serial ?? [0x12, 0x34, 0x56, 0x78]);
  const spkiDer = publicKey.export({ type: 'spki', format: 'der' });
  const subjectKeyId = new Uint8Array(createHash('sha1').update(spkiDer).digest());
  const sigAlg = new AlgorithmIdentifier({
    algorithm: options.key === 'ec' ? OIDS.ecdsaSha256 : OIDS.sha256WithRSA,
    ...(options.key === 'ec' ? {} : { parameters: null }),
  });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: toArrayBuffer(serial),
    signature: sigAlg,
    issuer,
    subject: issuer,
    validity: new Validity({
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2125-01-01T00:00:00Z'),
    }),
    subjectPublicKeyInfo: AsnParser.parse(spkiDer, SubjectPublicKeyInfo),
    extensions: new Extensions([
      new Extension({
        extnID: '2.5.29.14',
        critical: false,
        extnValue: new OctetString(
          AsnConvert.serialize(new SubjectKeyIdentifier(toArrayBuffer(subjectKeyId))),
        ),
      }),
    ]),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = sign('sha256', tbsDer, privateKey);
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: sigAlg,
    signatureValue: toArrayBuffer(signature),
  });
  return {
    privateKey,
    certDer: new Uint8Array(AsnConvert.serialize(cert)),
    issuer,
    serial,
    subjectKeyId,
  };
}

/** Options for {@link makeCms}. */
export interface CmsOptions {
  hash?: 'sha256' | 'sha384' | 'sha512';
  /** Identify the signer by subject key identifier (`sign-file -k`). */
  useKeyId?: boolean;
  /** Add contentType and messageDigest signed attributes (what `openssl cms -sign` does). */
  signedAttributes?: boolean;
  /** Override the signature algorithm OID written (default rsaEncryption / ecdsa-with-SHA*). */
  signatureOid?: string;
  /** Override the digest algorithm OID written. */
  digestOid?: string;
}

/** Signs `content` and returns the DER of a detached CMS SignedData, as sign-file writes it. */
export function makeCms(
  content: Uint8Array,
  signer: TestSigner,
  options: CmsOptions = {},
): Uint8Array {
  const hash = options.hash ?? 'sha256';
  const isEc = signer.privateKey.asymmetricKeyType === 'ec';
  const digestAlg = new AlgorithmIdentifier({ algorithm: options.digestOid ?? OIDS[hash] });
  let signedAttrs: Attribute[] | undefined;
  let toSign = content;
  if (options.signedAttributes) {
    signedAttrs = [
      new Attribute({
        attrType: OIDS.contentType,
        attrValues: [toArrayBuffer(encodeOid(OIDS.data))],
      }),
      new Attribute({
        attrType: OIDS.messageDigest,
        attrValues: [
          AsnConvert.serialize(new OctetString(createHash(hash).update(content).digest())),
        ],
      }),
    ];
    toSign = signedAttributesDer(signedAttrs);
  }
  const signature = sign(hash, toSign, signer.privateKey);
  const sid = options.useKeyId
    ? new SignerIdentifier({
        subjectKeyIdentifier: new SubjectKeyIdentifier(toArrayBuffer(signer.subjectKeyId)),
      })
    : new SignerIdentifier({
        issuerAndSerialNumber: new IssuerAndSerialNumber({
          issuer: signer.issuer,
          serialNumber: toArrayBuffer(signer.serial),
        }),
      });
  const signerInfo = new SignerInfo({
    version: options.useKeyId ? CMSVersion.v3 : CMSVersion.v1,
    sid,
    digestAlgorithm: digestAlg,
    ...(signedAttrs ? { signedAttrs } : {}),
    signatureAlgorithm: new AlgorithmIdentifier({
      algorithm:
        options.signatureOid ??
        (isEc ? (hash === 'sha384' ? OIDS.ecdsaSha384 : OIDS.ecdsaSha256) : OIDS.rsaEncryption),
      ...(isEc ? {} : { parameters: null }),
    }),
    signature: new OctetString(signature),
  });
  const sd = new SignedData({
    version: options.useKeyId ? CMSVersion.v3 : CMSVersion.v1,
    digestAlgorithms: new DigestAlgorithmIdentifiers([digestAlg]),
    encapContentInfo: new EncapsulatedContentInfo({ eContentType: OIDS.data }),
    signerInfos: new SignerInfos([signerInfo]),
  });
  const ci = new ContentInfo({ contentType: OIDS.signedData, content: AsnConvert.serialize(sd) });
  return new Uint8Array(AsnConvert.serialize(ci));
}

/** Fields of `struct module_signature` a test may override. */
export interface TrailerOverrides {
  algo?: number;
  hash?: number;
  idType?: number;
  signerLen?: number;
  keyIdLen?: number;
  sigLen?: number;
}

/** Appends `der`, a `struct module_signature` and the marker to `module` (what sign-file does). */
export function appendSignature(
  module: Uint8Array,
  der: Uint8Array,
  overrides: TrailerOverrides = {},
): Uint8Array {
  const marker = new TextEncoder().encode('~Module signature appended~\n');
  const info = new Uint8Array(12);
  info[0] = overrides.algo ?? 0;
  info[1] = overrides.hash ?? 0;
  info[2] = overrides.idType ?? 2;
  info[3] = overrides.signerLen ?? 0;
  info[4] = overrides.keyIdLen ?? 0;
  new DataView(info.buffer).setUint32(8, overrides.sigLen ?? der.length, false);
  const out = new Uint8Array(module.length + der.length + 12 + marker.length);
  out.set(module, 0);
  out.set(der, module.length);
  out.set(info, module.length + der.length);
  out.set(marker, module.length + der.length + 12);
  return out;
}

/** Signs `module` and appends the signature in one go. */
export function signSynthetic(
  module: Uint8Array,
  signer: TestSigner,
  options: CmsOptions = {},
): Uint8Array {
  return appendSignature(module, makeCms(module, signer, options));
}

/** Serialises signed attributes as the SET OF that the signature covers. */
function signedAttributesDer(attrs: Attribute[]): Uint8Array {
  const encoded = attrs.map((a) => new Uint8Array(AsnConvert.serialize(a)));
  encoded.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const body = Buffer.concat(encoded);
  return new Uint8Array(Buffer.concat([Buffer.from([0x31]), derLength(body.length), body]));
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function makeName(spec: NameSpec): Name {
  return new Name(
    spec.map(
      ([type, value, kind]) =>
        new RelativeDistinguishedName([
          new AttributeTypeAndValue({
            type,
            value: new AttributeValue(
              kind === 'bmp'
                ? { bmpString: value }
                : kind === 'printable'
                  ? { printableString: value }
                  : { utf8String: value },
            ),
          }),
        ]),
    ),
  );
}

function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** DER of an OBJECT IDENTIFIER (for the contentType attribute value). */
export function encodeOid(oid: string): Uint8Array {
  const [a = 0, b = 0, ...rest] = oid.split('.').map(Number);
  const body: number[] = [];
  for (const n of [a * 40 + b, ...rest]) {
    const groups: number[] = [];
    for (let v = n; ; v = Math.floor(v / 128)) {
      groups.unshift((v & 0x7f) | (groups.length ? 0x80 : 0));
      if (v < 128) break;
    }
    body.push(...groups);
  }
  return Uint8Array.from([0x06, body.length, ...body]);
}
