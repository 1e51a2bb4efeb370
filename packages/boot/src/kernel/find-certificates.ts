/**
 * Finds the DER X.509 certificates compiled into a kernel. certs/system_certificates.S places
 * `system_certificate_list` (the module signing certificate, then any extra ones) in the kernel's
 * init data; load_system_certificate_list() walks it as DER SEQUENCEs `30 82 <len16>`. Here every
 * `30 82 <len16> 30 82` (a certificate opens with its tbsCertificate SEQUENCE) is a candidate, and
 * kmod's readCertificate (node:crypto's X.509 parser) decides: junk fails to parse.
 */
import { createHash } from 'node:crypto';
import { readCertificate, type CertificateInfo } from '@talos-kmod/kmod';

const PATTERN = Buffer.from([0x30, 0x82]);
const MAX_CANDIDATES = 200_000;

/** The distinct certificates in `bytes`, in order, at most `max`. */
export function findCertificates(
  bytes: Uint8Array,
  max: number,
): { certificates: CertificateInfo[]; candidates: number } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const seen = new Set<string>();
  const certificates: CertificateInfo[] = [];
  let candidates = 0;
  for (
    let at = buf.indexOf(PATTERN);
    at >= 0 && at + 8 <= buf.length;
    at = buf.indexOf(PATTERN, at + 1)
  ) {
    if (buf[at + 4] !== 0x30 || buf[at + 5] !== 0x82) continue;
    const length = 4 + buf.readUInt16BE(at + 2);
    if (at + length > buf.length) continue;
    if (++candidates > MAX_CANDIDATES) break;
    const der = bytes.subarray(at, at + length);
    let cert: CertificateInfo;
    try {
      cert = readCertificate(der.slice()); // a copy: never keep the whole kernel alive
    } catch {
      continue;
    }
    const key = createHash('sha256').update(der).digest('hex');
    if (!seen.has(key)) {
      seen.add(key);
      certificates.push(cert);
      if (certificates.length >= max) break;
    }
    at += length - 1;
  }
  return { certificates, candidates };
}
