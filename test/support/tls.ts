/**
 * Test certificates made with openssl, once per process: a CA and a server certificate for
 * 127.0.0.1/localhost (the TLS registry), and a self-signed signing certificate for the token
 * issuer (the registry's `rootcertbundle`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Paths and PEM text of the test certificates. */
export interface TestCertificates {
  dir: string;
  caCertPath: string;
  caCert: string;
  serverCertPath: string;
  serverKeyPath: string;
  signingCertPath: string;
  signingCert: string;
  signingKey: string;
}

let cached: TestCertificates | undefined;

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Creates (once) and returns the test certificates. */
export function testCertificates(): TestCertificates {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'test-tls-'));
  const days = ['-days', '2'];
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      ...days,
      '-subj',
      '/CN=talos-kmod test CA',
    ],
    dir,
  );
  openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=127.0.0.1',
    ],
    dir,
  );
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      ...days,
      '-extfile',
      'server.ext',
    ],
    dir,
  );
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'signing.key',
      '-out',
      'signing.crt',
      ...days,
      '-subj',
      '/CN=talos-kmod test token issuer',
    ],
    dir,
  );
  cached = {
    dir,
    caCertPath: join(dir, 'ca.crt'),
    caCert: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    serverCertPath: join(dir, 'server.crt'),
    serverKeyPath: join(dir, 'server.key'),
    signingCertPath: join(dir, 'signing.crt'),
    signingCert: readFileSync(join(dir, 'signing.crt'), 'utf8'),
    signingKey: readFileSync(join(dir, 'signing.key'), 'utf8'),
  };
  return cached;
}
