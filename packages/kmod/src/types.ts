import type { CertificateInfo } from './certificate';

/** The compression a module file uses, detected from its magic bytes. */
export type Compression = 'none' | 'xz' | 'zstd' | 'gzip';

/** What the ELF header says about the machine a module was built for. */
export interface ElfIdentity {
  /** 32 or 64 (ELFCLASS32/ELFCLASS64). */
  bits: 32 | 64;
  endianness: 'little' | 'big';
  /** `e_machine`, e.g. 62 (EM_X86_64) or 183 (EM_AARCH64). */
  machine: number;
  /** A short name for `machine`: 'x86_64', 'aarch64', 'i386', 'arm', … or 'unknown (n)'. */
  machineName: string;
  /** `e_type`; kernel modules are ET_REL (1). */
  type: number;
}

/**
 * The PKCS#7/CMS signature appended to a module, with the fields formatted exactly as `modinfo`
 * (kmod) prints them.
 */
export interface ModuleSignature {
  /** `module_signature.algo` (0 for PKCS#7). */
  algo: number;
  /** `module_signature.hash` (0 for PKCS#7). */
  hash: number;
  /** `module_signature.id_type`: 2 is PKCS#7, the only type the kernel accepts. */
  idType: number;
  /** 'PKCS#7' for id_type 2, else `unknown (n)` (and a problem is reported). */
  idTypeName: string;
  /**
   * What `modinfo -F signer` prints: the issuer's commonName (kmod falls back to the issuer's last
   * attribute when there is no commonName). Empty when the signer is identified by subject key
   * identifier (`sign-file -k`), where the CMS carries no issuer name.
   */
  signer: string;
  /**
   * What `modinfo -F sig_key` prints: upper-case hex bytes joined by ':' of the issuer serial number
   * (as a big-endian magnitude without leading zero bytes) or of the subject key identifier.
   */
  keyId: string;
  /** Where {@link keyId} comes from. */
  keyIdSource: 'serial' | 'subjectKeyIdentifier';
  /** What `modinfo -F sig_hashalgo` prints: OpenSSL's name of the digest, e.g. 'sha512'. */
  hashAlgo: string;
  /** What `modinfo -F sig_id` prints ('PKCS#7'). */
  sigId: string;
  /**
   * OpenSSL's long name of the signature algorithm: 'rsaEncryption', 'sha256WithRSAEncryption',
   * 'RSASSA-PSS', 'ecdsa-with-SHA256' (…384, …512), 'id-ecPublicKey', 'ED25519', or the dotted OID
   * when unknown.
   */
  signatureAlgo: string;
  /** The raw signature value (a view into the module bytes). */
  signature: Uint8Array;
  /** Length of the signed module content: the bytes before the PKCS#7 blob. */
  contentLength: number;
  /** True when the CMS SignerInfo carries signed attributes (sign-file never adds them). */
  hasSignedAttributes: boolean;
}

/**
 * What a module is, without its full `.modinfo` list and symbol versions: what checking an image
 * needs of each module ({@link ModuleInfo} adds the rest).
 */
export interface ModuleSummary {
  fileName?: string;
  compression: Compression;
  /** Size of the (decompressed) module in bytes, signature included. */
  size: number;
  /** The ELF header facts; absent when the file is not ELF. */
  elf?: ElfIdentity;
  name?: string;
  vermagic?: string;
  /** First whitespace-separated token of `vermagic`: the kernel release the module was built for. */
  kernelRelease?: string;
  depends: string[];
  firmware: string[];
  license?: string;
  srcversion?: string;
  /** True when `.modinfo` holds `intree=Y` (built as part of the kernel tree). */
  intree: boolean;
  /** True when the file ends with the `~Module signature appended~\n` marker. */
  signed: boolean;
  signature?: ModuleSignature;
  /**
   * The verdict on the signature against the certificates given in
   * {@link ReadModuleOptions.certificates}; absent when none were given.
   */
  verification?: SignatureVerification;
  /** What is wrong, human readable; empty when the module is fine. */
  problems: string[];
}

/** Everything read from one module file. */
export interface ModuleInfo extends ModuleSummary {
  /** `.modinfo` entries in file order (`key=value` strings split at the first '='). */
  modinfo: { key: string; value: string }[];
  /** Symbol CRCs from `__versions` (and `__version_ext_*` on newer kernels). */
  versions: { symbol: string; crc: number }[];
}

/** Options for {@link ModuleInfo}-producing readers. */
export interface ReadModuleOptions {
  /** Shown in problems and kept in the result; its extension is a hint, the magic decides. */
  fileName?: string;
  /** Largest decompressed size accepted (default 512 MiB); larger modules become a problem. */
  maxDecompressedSize?: number;
  /**
   * The certificates the kernel trusts (e.g. `readKernelImage(…).certificates`, or
   * {@link readCertificates} of a PEM file): when given, the signature is verified against them
   * and the result carries a {@link SignatureVerification}. An empty list judges every signed
   * module `unknown-key`.
   */
  certificates?: readonly CertificateInfo[];
  /**
   * The certificates the kernel revokes (`readKernelImage(…).revokedCertificates`, its
   * revocation_certificate_list): a module signed by one is `unknown-key` with a reason that says
   * so, even when `certificates` also holds it, as the kernel refuses it (-EKEYREJECTED).
   */
  revokedCertificates?: readonly CertificateInfo[];
}

/**
 * What the kernel would make of a module's signature, given the certificates compiled into it:
 * - `verified`: a trusted certificate is named by the signer and the signature matches the content;
 * - `unknown-key`: no trusted certificate is the one the signer names (another build's key), or
 *   the kernel revokes the one it names (its revocation_certificate_list);
 * - `bad-signature`: the certificate matches but the signature does not: the module was changed
 *   after signing (stripped, patched) or carries another module's signature block;
 * - `unsupported`: a signature the kernel refuses before checking it (authenticated attributes,
 *   content other than data, an algorithm it cannot verify, an unreadable block);
 * - `unsigned`: no signature at all.
 */
export type SignatureVerdict =
  'verified' | 'unknown-key' | 'bad-signature' | 'unsupported' | 'unsigned';

/** The verdict with its reason and the certificate it was reached with. */
export interface SignatureVerification {
  verdict: SignatureVerdict;
  /** One sentence saying why: names the signer and the kernel's certificate where they matter. */
  reason: string;
  /** SHA-256 fingerprint of the certificate the signer names (colon hex), when one matched. */
  certificate?: string;
}

/** Outcome of {@link verifyModuleSignature}. */
export interface VerifyResult {
  verified: boolean;
  /** The full verdict (see {@link SignatureVerdict}). */
  verdict: SignatureVerdict;
  /** SHA-256 fingerprint of the certificate, when it is the one the signer names. */
  certificate?: string;
  /** Why verification failed; absent when verified. */
  reason?: string;
}
