/**
 * Where credentials may go for a Bearer token: real registries (docker-registry with `auth.token`)
 * naming token services (the test issuer, which records every request) that an attacker could
 * name: plain HTTP behind an HTTPS registry, a certificate nobody vouched for behind a registry
 * marked insecure, a host on another site.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createMemoryLogger } from '@talos-kmod/common';
import {
  RegistryError,
  push,
  resolveDigest,
  parseImageSpec,
  parseReference,
} from '@talos-kmod/oci';
import { startRegistry, type TestRegistry } from '../support/registry';
import { testCertificates } from '../support/tls';
import { startTokenIssuer, type TokenIssuer } from '../support/token-issuer';
import { tempDir, writeLayout } from './fixtures';

let work: string;
let layout: string;
const running: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  work = tempDir('token-realm');
  layout = (
    await writeLayout(join(work, 'layout'), [
      { layers: [{ compression: 'gzip', entries: [{ path: 'etc/hello', content: 'hi\n' }] }] },
    ])
  ).dir;
});

afterAll(async () => {
  for (const r of running) await r.stop();
  rmSync(work, { recursive: true, force: true });
});

/** A real registry trusting `issuer`'s tokens, over HTTPS (test CA) or plain HTTP. */
async function registryFor(issuer: TokenIssuer, scheme: 'http' | 'https'): Promise<TestRegistry> {
  const certs = testCertificates();
  const r = await startRegistry({
    scheme,
    extra: () => ({
      ...(scheme === 'https'
        ? { http: { tls: { certificate: certs.serverCertPath, key: certs.serverKeyPath } } }
        : {}),
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
  running.push(r, issuer);
  return r;
}

const creds = (registry: TestRegistry) => ({
  registry: registry.host,
  username: 'bob',
  password: 'bob-secret-1',
});

describe('an HTTPS registry naming a plain-HTTP token service', () => {
  it('is refused before any credentials are sent', async () => {
    const issuer = await startTokenIssuer({ users: { bob: 'bob-secret-1' } });
    const registry = await registryFor(issuer, 'https');
    const e = await resolveDigest(parseReference(`${registry.host}/acme/app:v1`), {
      credentials: creds(registry),
      caCertificates: testCertificates().caCert,
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RegistryError);
    expect((e as Error).message).toContain('names a token service over plain HTTP');
    expect((e as Error).message).toContain('refusing to send credentials unencrypted');
    expect(issuer.requests).toEqual([]);
  }, 60_000);
});

describe('a registry listed as insecure naming an HTTPS token service on another host', () => {
  it('still checks the token service certificate: untrusted, nothing is sent', async () => {
    const issuer = await startTokenIssuer({ users: { bob: 'bob-secret-1' }, tls: true });
    const registry = await registryFor(issuer, 'https');
    const e = await resolveDigest(parseReference(`${registry.host}/acme/app:v1`), {
      credentials: creds(registry),
      insecureRegistries: [registry.host],
      retry: { attempts: 2, minDelayMs: 5, maxDelayMs: 10 },
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RegistryError);
    expect((e as Error).message).toContain(
      `the TLS certificate of ${new URL(issuer.realm).origin}`,
    );
    expect((e as Error).message).toContain('no credentials were sent');
    expect(issuer.requests).toEqual([]);
  }, 60_000);

  it('works once its CA is given', async () => {
    const issuer = await startTokenIssuer({ users: { bob: 'bob-secret-1' }, tls: true });
    const registry = await registryFor(issuer, 'https');
    const r = await push(
      parseImageSpec(`oci:${layout}`),
      parseReference(`${registry.host}/acme/app:v1`),
      {
        credentials: creds(registry),
        insecureRegistries: [registry.host],
        caCertificates: testCertificates().caCert,
        compressedLayerCache: false,
      },
    );
    expect(r.digest).toMatch(/^sha256:/);
    expect(issuer.requests.map((q) => q.user)).toContain('bob');
  }, 60_000);
});

describe('a token service on another site', () => {
  it('gets the credentials (that is how Bearer auth works) but the user is warned', async () => {
    const issuer = await startTokenIssuer({ users: { bob: 'bob-secret-1' }, host: '127.0.0.3' });
    const registry = await registryFor(issuer, 'http');
    const logger = createMemoryLogger();
    await push(parseImageSpec(`oci:${layout}`), parseReference(`${registry.host}/acme/app:v1`), {
      credentials: creds(registry),
      logger,
      compressedLayerCache: false,
    });
    const warnings = logger.lines.filter((l) => l.level === 'warning').map((l) => l.message);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('token service on another site (http://127.0.0.3:');
  }, 60_000);

  it('a token service on the same host is not warned about', async () => {
    const issuer = await startTokenIssuer({ users: { bob: 'bob-secret-1' } });
    const registry = await registryFor(issuer, 'http');
    const logger = createMemoryLogger();
    await push(parseImageSpec(`oci:${layout}`), parseReference(`${registry.host}/acme/app:v1`), {
      credentials: creds(registry),
      logger,
      compressedLayerCache: false,
    });
    expect(logger.lines.filter((l) => l.level === 'warning')).toEqual([]);
  }, 60_000);
});
