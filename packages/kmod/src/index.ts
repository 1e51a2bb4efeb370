/**
 * Kernel module inspection, the way the kernel and modinfo read modules: ELF `.modinfo` and symbol
 * versions, the appended PKCS#7 signature (formatted as modinfo prints it), compressed modules
 * (xz, zstd, gzip) and signature verification against an X.509 certificate. Bad input never
 * throws: problems are listed in the result.
 */
export type {
  Compression,
  ElfIdentity,
  ModuleInfo,
  ModuleSignature,
  ModuleSummary,
  ReadModuleOptions,
  SignatureVerdict,
  SignatureVerification,
  VerifyResult,
} from './types';
export { inspectModule } from './inspect-module';
export { readModule, readModuleSummary, decompressModule } from './read-module';
export { readModuleFile } from './read-module-file';
export { verifyModuleSignature } from './verify-module-signature';
export { kernelReleaseOf } from './kernel-release';
export { SIGNATURE_MARKER } from './internal/signature/trailer';
export { DEFAULT_MAX_DECOMPRESSED_SIZE } from './internal/compression/decompress';
export { formatModinfo, modinfoEntries, modinfoField, moduleInfoToJson } from './format-modinfo';
export type { CertificateInfo } from './certificate';
export { readCertificate, readCertificates } from './certificate';

// bounded decoders, also used by @talos-kmod/boot for kernel payloads, initramfs and squashfs
export { CorruptDataError, TooLargeError } from './internal/compression/errors';
export type { UnzstdOptions, ZstdFrame } from './internal/compression/zstd';
export { nativeZstd, unzstdBounded, zstdFrameAt } from './internal/compression/zstd';
export { decodeXzStream } from './internal/compression/xz';
