import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError, type ExecFn } from '@talos-kmod/common';
import { dockerConfigCredentials, normalizeConfigKey } from '../src/auth/docker-config';

const dir = mkdtempSync(join(tmpdir(), 'docker-config-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(name: string, content: unknown): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(
    join(d, 'config.json'),
    typeof content === 'string' ? content : JSON.stringify(content),
  );
  return d;
}

/** An exec stub for credential helpers: answers only the calls it expects. */
function helperStub(
  expected: string,
  answer: { exitCode: number; stdout: string },
): ExecFn & { calls: string[] } {
  const calls: string[] = [];
  const fn = (async (file, args, options) => {
    calls.push(`${file} ${args.join(' ')} <${String(options?.input)}`);
    if (file !== expected || args[0] !== 'get')
      throw new Error(`unexpected call ${file} ${args.join(' ')}`);
    return { ...answer, stderr: '' };
  }) as ExecFn & { calls: string[] };
  fn.calls = calls;
  return fn;
}

describe('normalizeConfigKey', () => {
  it.each([
    ['https://index.docker.io/v1/', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['https://GHCR.io', 'ghcr.io'],
    ['http://127.0.0.1:5000/v2/', '127.0.0.1:5000'],
  ])('maps %s to %s', (key, host) => expect(normalizeConfigKey(key)).toBe(host));
});

describe('dockerConfigCredentials', () => {
  it('decodes an auths entry and matches Docker Hub by its legacy key', async () => {
    const d = config('hub', {
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('me:pa:ss').toString('base64') },
      },
    });
    expect(await dockerConfigCredentials('docker.io', { dockerConfigDir: d })).toEqual({
      username: 'me',
      password: 'pa:ss',
    });
    expect(await dockerConfigCredentials('ghcr.io', { dockerConfigDir: d })).toBeUndefined();
  });

  it('returns an identity token', async () => {
    const d = config('identity', { auths: { 'ghcr.io': { identitytoken: 'refresh' } } });
    expect(await dockerConfigCredentials('ghcr.io', { dockerConfigDir: d })).toEqual({
      username: '<token>',
      identityToken: 'refresh',
    });
  });

  it('asks a credential helper with the registry on stdin', async () => {
    const d = config('helper', { credHelpers: { 'ghcr.io': 'gh' } });
    const exec = helperStub('docker-credential-gh', {
      exitCode: 0,
      stdout: '{"ServerURL":"ghcr.io","Username":"u","Secret":"s"}',
    });
    expect(await dockerConfigCredentials('ghcr.io', { dockerConfigDir: d, exec })).toEqual({
      username: 'u',
      password: 's',
    });
    expect(exec.calls).toEqual(['docker-credential-gh get <ghcr.io']);
  });

  it('treats "credentials not found" from credsStore as no credentials', async () => {
    const d = config('store', { credsStore: 'desktop' });
    const exec = helperStub('docker-credential-desktop', {
      exitCode: 1,
      stdout: 'credentials not found in native keychain',
    });
    expect(await dockerConfigCredentials('ghcr.io', { dockerConfigDir: d, exec })).toBeUndefined();
  });

  it('names a config that is not JSON', async () => {
    const d = config('broken', '{not json');
    await expect(dockerConfigCredentials('ghcr.io', { dockerConfigDir: d })).rejects.toThrow(
      UserError,
    );
    await expect(dockerConfigCredentials('ghcr.io', { dockerConfigDir: d })).rejects.toThrow(
      'config.json is not valid JSON',
    );
  });

  it('returns nothing when there is no config', async () => {
    expect(
      await dockerConfigCredentials('ghcr.io', { dockerConfigDir: join(dir, 'absent') }),
    ).toBeUndefined();
  });
});
