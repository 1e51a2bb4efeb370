import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDockerConfig } from '../../src/build-installer/docker-config';

describe('writeDockerConfig', () => {
  it('keeps the user config, adds auths for the registries, drops the store for them, and cleans up', () => {
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
    const config = writeDockerConfig(
      ['ghcr.io', 'ttl.sh'],
      { username: 'u', password: 'p' },
      {
        DOCKER_CONFIG: home,
      },
    );
    const written = JSON.parse(readFileSync(join(config.dir, 'config.json'), 'utf8')) as {
      auths: Record<string, { auth: string }>;
      credsStore?: string;
      credHelpers: Record<string, string>;
      proxies: unknown;
    };
    expect(written.auths['ghcr.io']?.auth).toBe(Buffer.from('u:p').toString('base64'));
    expect(written.auths['ttl.sh']?.auth).toBe(Buffer.from('u:p').toString('base64'));
    expect(written.auths['quay.io']?.auth).toBe('cXVheTpx');
    expect(written.credsStore).toBeUndefined();
    expect(written.credHelpers).toEqual({ 'gcr.io': 'gcloud' });
    expect(written.proxies).toEqual({ default: { httpProxy: 'http://proxy:3128' } });
    config.dispose();
    expect(existsSync(config.dir)).toBe(false);
  });
});
