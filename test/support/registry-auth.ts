/**
 * Registry variants with authentication, on top of {@link startRegistry}: TLS + htpasswd Basic
 * auth, and token auth with a {@link startTokenIssuer} issuer (Bearer, as ghcr.io and Docker Hub).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { startRegistry, type TestRegistry } from './registry';
import { testCertificates } from './tls';
import { startTokenIssuer, type TokenIssuer, type TokenIssuerOptions } from './token-issuer';

/** A TLS registry with htpasswd users; `caCert` (PEM) verifies its certificate. */
export interface HtpasswdRegistry extends TestRegistry {
  readonly caCert: string;
  readonly caCertPath: string;
}

/** Starts a registry serving HTTPS on 127.0.0.1 with Basic auth for `users`. */
export async function startHtpasswdRegistry(
  users: Record<string, string>,
): Promise<HtpasswdRegistry> {
  const certs = testCertificates();
  const registry = await startRegistry({
    scheme: 'https',
    extra: (dir) => {
      const path = join(dir, 'htpasswd');
      const lines = Object.entries(users).map(([u, p]) => `${u}:${bcrypt.hashSync(p, 5)}`);
      writeFileSync(path, `${lines.join('\n')}\n`);
      return {
        http: { tls: { certificate: certs.serverCertPath, key: certs.serverKeyPath } },
        auth: { htpasswd: { realm: 'talos-kmod-test', path } },
      };
    },
  });
  return Object.assign(registry, { caCert: certs.caCert, caCertPath: certs.caCertPath });
}

/** A plain-HTTP registry that wants Bearer tokens from its issuer. */
export interface TokenRegistry extends TestRegistry {
  readonly issuer: TokenIssuer;
}

/** Starts a token issuer and a registry trusting it. */
export async function startTokenRegistry(options: TokenIssuerOptions): Promise<TokenRegistry> {
  const issuer = await startTokenIssuer(options);
  const certs = testCertificates();
  let registry: TestRegistry;
  try {
    registry = await startRegistry({
      extra: () => ({
        auth: {
          token: {
            realm: issuer.realm,
            service: issuer.service,
            issuer: issuer.issuer,
            rootcertbundle: certs.signingCertPath,
          },
        },
      }),
    });
  } catch (e) {
    await issuer.stop();
    throw e;
  }
  const stopRegistry = registry.stop;
  return Object.assign(registry, {
    issuer,
    stop: async () => {
      await stopRegistry();
      await issuer.stop();
    },
  });
}
