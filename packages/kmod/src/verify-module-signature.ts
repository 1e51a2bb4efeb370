import type { VerifyResult } from './types';
import { readCertificates, type CertificateInfo } from './certificate';
import { inspectSource } from './internal/inspect';
import { bufferSource } from './internal/source';
import { bufferFeed } from './internal/verify/judge-signature';

/**
 * Checks a module's appended PKCS#7 signature against X.509 certificates the way the kernel does
 * (see {@link SignatureVerdict}): `certificate` is PEM (one or more blocks, text or bytes), DER, or
 * certificates already read. `data` is the decompressed module. Never throws.
 */
export function verifyModuleSignature(
  data: Uint8Array,
  certificate: Uint8Array | string | readonly CertificateInfo[],
): VerifyResult {
  let certificates: readonly CertificateInfo[];
  try {
    certificates =
      typeof certificate === 'string' || certificate instanceof Uint8Array
        ? readCertificates(certificate)
        : certificate;
  } catch (e: unknown) {
    return {
      verified: false,
      verdict: 'unknown-key',
      reason: `the certificate cannot be read: ${e instanceof Error ? e.message : String(e)}; pass a PEM or DER X.509 certificate`,
    };
  }
  const { info } = inspectSource(bufferSource(data), {
    verify: { certificates, feed: bufferFeed(data) },
  });
  const v = info.verification ?? { verdict: 'unsupported', reason: 'not verified' };
  return v.verdict === 'verified'
    ? {
        verified: true,
        verdict: v.verdict,
        ...(v.certificate ? { certificate: v.certificate } : {}),
      }
    : { ...v, verified: false };
}
