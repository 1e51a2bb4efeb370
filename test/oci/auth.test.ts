/**
 * Authentication against real registries: TLS + htpasswd (Basic) and token auth (Bearer, with a
 * JWT issuer the registry trusts), credentials given explicitly, from the docker config, and from
 * a credential helper on PATH.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  RegistryError,
  push,
  resolveDigest,
  parseImageSpec,
  parseReference,
} from '@talos-kmod/oci';
import {
  startHtpasswdRegistry,
  startTokenRegistry,
  type HtpasswdRegistry,
  type TokenRegistry,
} from '../support/registry-auth';
import { tempDir, writeLayout } from './fixtures';

let layout: string;
let work: string;

beforeAll(async () => {
  work = tempDir('auth');
  layout = (
    await writeLayout(join(work, 'layout'), [
      { layers: [{ compression: 'gzip', entries: [{ path: 'etc/hello', content: 'hello\n' }] }] },
    ])
  ).dir;
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A docker config directory with `config`. */
function dockerConfig(name: string, config: unknown): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

const noConfig = () => join(work, 'no-docker-config');

describe('TLS registry with htpasswd (Basic auth)', () => {
  let registry: HtpasswdRegistry;
  beforeAll(async () => {
    registry = await startHtpasswdRegistry({ alice: 'correct horse' });
  }, 30_000);
  afterAll(async () => {
    await registry?.stop();
  });

  it('pushes with explicit credentials and the test CA', async () => {
    const r = await push(
      parseImageSpec(`oci:${layout}`),
      parseReference(`${registry.host}/acme/app:v1`),
      {
        credentials: { registry: registry.host, username: 'alice', password: 'correct horse' },
        caCertificates: registry.caCert,
      },
    );
    expect(r.reference.toString()).toMatch(
      new RegExp(`^${registry.host}/acme/app:v1@sha256:[a-f0-9]{64}$`),
    );
    const pinned = await resolveDigest(parseReference(`${registry.host}/acme/app:v1`), {
      credentials: { registry: registry.host, username: 'alice', password: 'correct horse' },
      caCertificates: registry.caCert,
    });
    expect(pinned.toString()).toBe(r.reference.toString());
  });

  it('rejects a wrong password naming the user, without showing the password', async () => {
    const e = await resolveDigest(parseReference(`${registry.host}/acme/app:v1`), {
      credentials: { registry: registry.host, username: 'alice', password: 'wrong-password-123' },
      caCertificates: registry.caCert,
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RegistryError);
    expect((e as RegistryError).status).toBe(401);
    expect((e as Error).message).toContain(`${registry.host} rejected the credentials for 'alice'`);
    expect((e as Error).message).toContain('docker login');
    expect(JSON.stringify(e) + (e as Error).message).not.toContain('wrong-password-123');
  });

  it('asks for a login when no credentials are configured', async () => {
    const e = await resolveDigest(parseReference(`${registry.host}/acme/app:v1`), {
      caCertificates: registry.caCert,
      dockerConfigDir: noConfig(),
    }).catch((x: unknown) => x);
    expect((e as Error).message).toContain(`${registry.host} requires authentication`);
  });

  it('says the certificate is not trusted without the CA', async () => {
    const e = await resolveDigest(parseReference(`${registry.host}/acme/app:v1`), {
      credentials: { registry: registry.host, username: 'alice', password: 'correct horse' },
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RegistryError);
    expect((e as Error).message).toContain(
      `the TLS certificate of ${registry.host} is not trusted`,
    );
  });

  it('reads credentials from the docker config auths entry', async () => {
    const auth = Buffer.from('alice:correct horse').toString('base64');
    const dir = dockerConfig('config-auths', { auths: { [`https://${registry.host}`]: { auth } } });
    const pinned = await resolveDigest(parseReference(`${registry.host}/acme/app:v1`), {
      dockerConfigDir: dir,
      caCertificates: registry.caCert,
    });
    expect(pinned.digest).toMatch(/^sha256:/);
  });

  it('runs a docker credential helper from PATH', async () => {
    const bin = join(work, 'bin');
    mkdirSync(bin, { recursive: true });
    const helper = join(bin, 'docker-credential-talostest');
    writeFileSync(
      helper,
      `#!/bin/sh\nread host\nif [ "$1" = get ] && [ "$host" = "${registry.host}" ]; then echo '{"ServerURL":"'$host'","Username":"alice","Secret":"correct horse"}'; else echo "credentials not found in native keychain"; exit 1; fi\n`,
    );
    chmodSync(helper, 0o755);
    const dir = dockerConfig('config-helper', { credHelpers: { [registry.host]: 'talostest' } });
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path ?? ''}`;
    try {
      const pinned = await resolveDigest(parseReference(`${registry.host}/acme/app:v1`), {
        dockerConfigDir: dir,
        caCertificates: registry.caCert,
      });
      expect(pinned.digest).toMatch(/^sha256:/);
    } finally {
      process.env.PATH = path;
    }
  });
});

describe('registry with token auth (Bearer)', () => {
  let registry: TokenRegistry;
  beforeAll(async () => {
    registry = await startTokenRegistry({
      users: { bob: 'pa55' },
      refreshTokens: { 'refresh-abc': 'bob' },
    });
  }, 30_000);
  afterAll(async () => {
    await registry?.stop();
  });

  it('pushes with tokens for the repository scope, fetched once per scope', async () => {
    const before = registry.issuer.requests.length;
    const r = await push(
      parseImageSpec(`oci:${layout}`),
      parseReference(`${registry.host}/acme/app:v1`),
      {
        credentials: { registry: registry.host, username: 'bob', password: 'pa55' },
      },
    );
    expect(r.uploadedBlobs).toBe(2); // config + layer
    const requests = registry.issuer.requests.slice(before);
    expect(requests.every((q) => q.user === 'bob')).toBe(true);
    expect(requests.flatMap((q) => q.scopes)).toContain('repository:acme/app:pull,push');
    // config + layer + manifest: a handful of requests, not one token per request
    expect(requests.length).toBeLessThanOrEqual(3);
  });

  it('rejects a wrong password at the token service', async () => {
    const e = await resolveDigest(parseReference(`${registry.host}/acme/app:v1`), {
      credentials: { registry: registry.host, username: 'bob', password: 'nope' },
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RegistryError);
    expect((e as Error).message).toContain(`${registry.host} rejected the credentials for 'bob'`);
  });

  it('asks for a login when anonymous tokens grant nothing', async () => {
    const e = await resolveDigest(parseReference(`${registry.host}/acme/app:v1`), {
      dockerConfigDir: noConfig(),
    }).catch((x: unknown) => x);
    expect((e as Error).message).toContain(`${registry.host} requires authentication`);
  });

  it('uses an identity token from the docker config with the OAuth2 refresh grant', async () => {
    const dir = dockerConfig('config-identity', {
      auths: { [registry.host]: { identitytoken: 'refresh-abc' } },
    });
    const before = registry.issuer.requests.length;
    const pinned = await resolveDigest(parseReference(`${registry.host}/acme/app:v1`), {
      dockerConfigDir: dir,
    });
    expect(pinned.digest).toMatch(/^sha256:/);
    expect(registry.issuer.requests.slice(before).map((q) => q.method)).toContain('POST');
  });
});
