import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryLogger } from '@talos-kmod/common';
import { withDockerCredentials } from '../../src/step-kit/docker-credentials';

interface Written {
  auths: Record<string, { auth: string }>;
  credsStore?: string;
  credHelpers: Record<string, string>;
  proxies: unknown;
}

describe('withDockerCredentials', () => {
  it('keeps the user config, adds auths for the registries, drops the store for them, keeps the buildx builders, and cleans up', async () => {
    const home = mkdtempSync(join(tmpdir(), 'docker-config-'));
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({
        auths: { 'ghcr.io': { auth: 'b2xkOm9sZA==' }, 'quay.io': { auth: 'cXVheTpx' } },
        credsStore: 'desktop',
        credHelpers: { 'ghcr.io': 'gh', 'gcr.io': 'gcloud' },
        proxies: { default: { httpProxy: 'http://proxy:3128' } },
      }),
    );
    const logger = createMemoryLogger();
    let seen: { dir?: string; buildx?: string; written?: Written } = {};
    await withDockerCredentials(
      { DOCKER_CONFIG: home },
      ['ghcr.io', 'ttl.sh'],
      { username: 'u', password: 'p' },
      logger,
      async (env) => {
        seen = {
          dir: env.DOCKER_CONFIG,
          buildx: env.BUILDX_CONFIG,
          written: JSON.parse(
            readFileSync(join(env.DOCKER_CONFIG ?? '', 'config.json'), 'utf8'),
          ) as Written,
        };
      },
    );
    const written = seen.written as Written;
    expect(seen.dir).not.toBe(home);
    expect(seen.buildx).toBe(join(home, 'buildx'));
    expect(written.auths['ghcr.io']?.auth).toBe(Buffer.from('u:p').toString('base64'));
    expect(written.auths['ttl.sh']?.auth).toBe(Buffer.from('u:p').toString('base64'));
    expect(written.auths['quay.io']?.auth).toBe('cXVheTpx');
    expect(written.credsStore).toBeUndefined();
    expect(written.credHelpers).toEqual({ 'gcr.io': 'gcloud' });
    expect(written.proxies).toEqual({ default: { httpProxy: 'http://proxy:3128' } });
    expect(logger.text()).toMatch(/credsStore 'desktop'/);
    expect(logger.text()).not.toContain('u:p');
    expect(existsSync(seen.dir ?? '')).toBe(false);
  });

  it('passes the environment through untouched without credentials', async () => {
    const env = { DOCKER_CONFIG: '/somewhere' };
    const got = await withDockerCredentials(
      env,
      ['ghcr.io'],
      undefined,
      createMemoryLogger(),
      async (e) => e,
    );
    expect(got).toBe(env);
  });
});
