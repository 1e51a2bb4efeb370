/**
 * Explicit credentials belong to one registry host. Two real registries with token auth (each
 * with its own issuer, which records who asked): `verify A/… --kernel-image B/…` with A's
 * credentials must never send them to B, from the CLI bundle and from the verify-image action;
 * B gets only what the docker config holds for it (here nothing: anonymous pull).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { push, parseImageSpec, parseReference } from '@talos-kmod/oci';
import { repoRoot, runAction } from '../support/action';
import { startTokenRegistry, type TokenRegistry } from '../support/registry-auth';
import { tempDir, writeLayout } from './fixtures';

let a: TokenRegistry;
let b: TokenRegistry;
let work: string;
let emptyConfig: string;
const alicePassword = 'alice-secret-pw-4711';

beforeAll(async () => {
  work = tempDir('credential-scope');
  emptyConfig = join(work, 'empty-docker-config');
  mkdirSync(emptyConfig, { recursive: true });
  a = await startTokenRegistry({ users: { alice: alicePassword } });
  b = await startTokenRegistry({ users: { bob: 'bob-pw' }, anonymousActions: ['pull'] });
  const { dir } = await writeLayout(join(work, 'layout'), [
    { layers: [{ compression: 'gzip', entries: [{ path: 'etc/hello', content: 'hello\n' }] }] },
  ]);
  await push(parseImageSpec(`oci:${dir}`), parseReference(`${a.host}/me/ext:v1`), {
    credentials: { registry: a.host, username: 'alice', password: alicePassword },
    compressedLayerCache: false,
  });
  await push(parseImageSpec(`oci:${dir}`), parseReference(`${b.host}/other/kernel:v1`), {
    credentials: { registry: b.host, username: 'bob', password: 'bob-pw' },
    compressedLayerCache: false,
  });
}, 120_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** Who asked each issuer for tokens since `mark`. */
function usersSince(mark: { a: number; b: number }) {
  return {
    a: a.issuer.requests.slice(mark.a).map((r) => r.user ?? 'anonymous'),
    b: b.issuer.requests.slice(mark.b).map((r) => r.user ?? 'anonymous'),
  };
}

const mark = () => ({ a: a.issuer.requests.length, b: b.issuer.requests.length });

/** Runs the CLI bundle as a user would, the password on stdin (async: the issuers live in this process). */
function cliBundle(
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'packages/cli/dist/talos-kmod.cjs'), ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, DOCKER_CONFIG: emptyConfig },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(`${alicePassword}\n`);
  });
}

describe('credentials given for one registry', () => {
  it('verify (CLI bundle) sends them to the image registry only, never to the kernel-image registry', async () => {
    const before = mark();
    const r = await cliBundle([
      'verify',
      `${a.host}/me/ext:v1`,
      '--kernel-image',
      `${b.host}/other/kernel:v1`,
      '--registry-username',
      'alice',
      '--registry-password-stdin',
      '--json',
    ]);
    const users = usersSince(before);
    expect(r.stderr).not.toContain('requires authentication');
    expect(users.a).toContain('alice');
    expect(users.b.length).toBeGreaterThan(0); // the kernel image was read
    expect(users.b).not.toContain('alice');
    expect(r.stdout + r.stderr).not.toContain(alicePassword);
  }, 120_000);

  it('--registry names the host they are for: ls of another registry does not get them', async () => {
    const before = mark();
    const r = await cliBundle([
      'ls',
      `${b.host}/other/kernel:v1`,
      '--registry',
      a.host,
      '--registry-username',
      'alice',
      '--registry-password-stdin',
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('etc/hello');
    const users = usersSince(before);
    expect(users.b).not.toContain('alice');
    expect(users.b.length).toBeGreaterThan(0);
  }, 120_000);

  it('an archive with credentials but no --registry is a usage error naming the flag', async () => {
    const r = await cliBundle([
      'ls',
      `oci:${join(work, 'layout')}`,
      '--registry-username',
      'alice',
      '--registry-password-stdin',
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--registry <host>');
  }, 60_000);

  it('the verify-image action sends them to the image registry only', async () => {
    const before = mark();
    const run = await runAction(
      'verify-image',
      {
        image: `${a.host}/me/ext:v1`,
        'kernel-image': `${b.host}/other/kernel:v1`,
        'registry-username': 'alice',
        'registry-password': alicePassword,
      },
      { env: { DOCKER_CONFIG: emptyConfig } },
    );
    const users = usersSince(before);
    expect(run.stdout).not.toContain('requires authentication');
    expect(users.a).toContain('alice');
    expect(users.b.length).toBeGreaterThan(0);
    expect(users.b).not.toContain('alice');
    const shown = (run.stdout + run.stderr).replace(/^::add-mask::.*$/m, '');
    expect(shown).not.toContain(alicePassword);
  }, 180_000);

  it('the verify-image action input registry names another host: the image registry gets none', async () => {
    const before = mark();
    const run = await runAction(
      'verify-image',
      {
        image: `${b.host}/other/kernel:v1`,
        registry: a.host,
        'registry-username': 'alice',
        'registry-password': alicePassword,
      },
      { env: { DOCKER_CONFIG: emptyConfig } },
    );
    const users = usersSince(before);
    expect(users.b.length).toBeGreaterThan(0);
    expect(users.b).not.toContain('alice');
    expect(run.failure ?? '').not.toContain('requires authentication');
  }, 180_000);
});
