/**
 * The cryptographic proof: every signed module verified against the certificates compiled into
 * the node's kernel, as the kernel itself does at load time (linux kernel/module/signing.c). Once
 * a certificate is known this check decides; the key-id comparison is only the fallback.
 */
import type { CertificateInfo } from '@talos-kmod/kmod';
import type { CollectedModule } from '../collect';
import type { TrustedCertificates } from '../../trusted-certificates';
import { count } from './context';
import { fail, withPass, pass, type Finding } from '@talos-kmod/talos';

/** Why a module's key is not the kernel's, and how to get there. */
export const fixKey =
  'The key is a throw-away key each uncached kernel build makes, so the kernel and the module package must come from the same build: ' +
  'run `make kernel <pkg>` once on one builder with no cache prune in between, then rebuild the extension from that package and the installer from that kernel';

const fixes = {
  'unknown-key': `the node refuses it ("Loading of module with unavailable key is rejected"). ${fixKey}`,
  'bad-signature':
    'the node refuses it ("Key was rejected by service"). Never change a module after sign-file: strip with INSTALL_MOD_STRIP=1 (kbuild strips before it signs), and rebuild instead of patching',
  unsupported:
    "the node refuses it. Sign modules with the kernel's scripts/sign-file (what modules_install runs): detached PKCS#7, no authenticated attributes, RSA or ECDSA",
} as const;

/** `"CN" serial AB:CD (SHA-256 12:34:…)`. */
export function describeCertificate(c: CertificateInfo): string {
  return `"${c.commonName ?? c.subject}" serial ${c.serialNumber} (SHA-256 ${c.sha256Fingerprint.slice(0, 23)}…)`;
}

/** `signature.kernel-certificate`: whether the kernel yields a certificate at all. */
export function kernelCertificateCheck(trust: TrustedCertificates): Finding {
  if (trust.certificates.length === 0) {
    const why = trust.problems.length > 0 ? ` (${trust.problems.join('; ')})` : '';
    return fail(
      'signature.kernel-certificate',
      'error',
      `no certificate can be read from the kernel ${trust.source}${why}, so no module signature can be proven: pass the kernel built with CONFIG_MODULE_SIG (every Talos kernel is), or its certificate with kernel-cert`,
    );
  }
  return pass(
    'signature.kernel-certificate',
    `the kernel ${trust.source}${trust.release ? ` (${trust.release})` : ''} trusts ${trust.certificates.map(describeCertificate).join(', ')}${trust.revoked?.length ? ` and revokes ${trust.revoked.map(describeCertificate).join(', ')}` : ''}`,
  );
}

/** `signature.certificate`: each signed module's verdict against the kernel's certificates. */
export function certificateChecks(
  modules: readonly CollectedModule[],
  trust: TrustedCertificates,
): Finding[] {
  const out: Finding[] = [];
  let verified = 0;
  for (const m of modules) {
    if (!m.signed) continue; // signature.signed reports these
    const v = m.verification;
    if (v?.verdict === 'verified') {
      verified++;
      continue;
    }
    const why = v
      ? `${v.reason}: ${v.verdict === 'unsigned' ? fixes.unsupported : fixes[v.verdict]}`
      : 'was not verified (its signature was not read): rebuild and re-sign it';
    out.push(
      fail(
        'signature.certificate',
        'error',
        `${m.name} (${m.path}) ${v ? `is ${v.verdict}: ` : ''}${why}`,
        {
          path: m.path,
        },
      ),
    );
  }
  return withPass(
    out,
    'signature.certificate',
    `${count(verified, 'signed module')} verified against the kernel's certificate ${trust.certificates.map(describeCertificate).join(', ')}`,
  );
}
