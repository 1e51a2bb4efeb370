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
}

/** Outcome of {@link verifyModuleSignature}. */
export interface VerifyResult {
  verified: boolean;
  /** Why verification failed; absent when verified. */
  reason?: string;
}
