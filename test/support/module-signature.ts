/**
 * A signed module's parts cut out by `struct module_signature` (its sig_len), independently of
 * our reader, and `openssl cms -verify` over them: the oracle for signature verdicts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MARKER = '~Module signature appended~\n';

/** Content, PKCS#7 and the whole signature block of a signed module; undefined when unsigned. */
export function cutSignature(
  bytes: Buffer,
): { content: Buffer; pkcs7: Buffer; block: Buffer } | undefined {
  if (bytes.subarray(bytes.length - MARKER.length).toString('latin1') !== MARKER) return undefined;
  const infoAt = bytes.length - MARKER.length - 12;
  const sigAt = infoAt - bytes.readUInt32BE(infoAt + 8);
  return {
    content: bytes.subarray(0, sigAt),
    pkcs7: bytes.subarray(sigAt, infoAt),
    block: bytes.subarray(sigAt),
  };
}

/** True when `openssl cms -verify` accepts the module file's signature with the PEM `certPem`. */
export function opensslVerifies(file: string, certPem: string): boolean {
  const parts = cutSignature(readFileSync(file));
  if (!parts) return false;
  const dir = mkdtempSync(join(tmpdir(), 'cms-verify-'));
  try {
    writeFileSync(join(dir, 'content'), parts.content);
    writeFileSync(join(dir, 'sig.p7'), parts.pkcs7);
    const r = spawnSync('openssl', [
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      join(dir, 'sig.p7'),
      '-content',
      join(dir, 'content'),
      '-certfile',
      certPem,
      '-nointern',
      '-noverify',
      '-out',
      '/dev/null',
    ]);
    return r.status === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes DER certificate bytes as a PEM file in `dir` (via openssl x509) and returns its path. */
export function certificatePem(der: Uint8Array, dir: string, name = 'cert'): string {
  const pem = spawnSync('openssl', ['x509', '-inform', 'DER'], { input: der });
  if (pem.status !== 0) throw new Error(`openssl x509 failed: ${pem.stderr.toString()}`);
  const path = join(dir, `${name}.pem`);
  writeFileSync(path, pem.stdout);
  return path;
}
