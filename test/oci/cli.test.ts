/**
 * `talos-kmod push`, `inspect` and `ls` run through the real CLI program against a real registry:
 * results on stdout, progress and errors on stderr, exit codes 0/1/2.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '@talos-kmod/cli';
import { startRegistry, type TestRegistry } from '../support/registry';
import { startHtpasswdRegistry, type HtpasswdRegistry } from '../support/registry-auth';
import { repoRoot } from '../support/action';
import { dockerSaveArchive, skopeoDigest, tempDir } from './fixtures';

let registry: TestRegistry;
let secure: HtpasswdRegistry;
let archive: string;
let work: string;

beforeAll(async () => {
  registry = await startRegistry();
  secure = await startHtpasswdRegistry({ carol: 'pw-for-carol' });
  archive = (await dockerSaveArchive()).path;
  work = tempDir('cli');
}, 180_000);

afterAll(async () => {
  await registry?.stop();
  await secure?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  const code = await runCli(args, {
    stdout,
    stderr,
    env: { ...process.env, ...env },
    cwd: repoRoot,
  });
  return { code, stdout: out, stderr: err };
}

describe('talos-kmod push', () => {
  it('prints only the pinned reference on stdout and progress lines on stderr', async () => {
    const r = await cli(['push', `docker-archive:${archive}`, `${registry.host}/cli/app:v1`]);
    expect(r.code).toBe(0);
    const pinned = r.stdout.trim();
    expect(pinned).toMatch(new RegExp(`^${registry.host}/cli/app:v1@sha256:[a-f0-9]{64}$`));
    expect(pinned.split('@')[1]).toBe(skopeoDigest(`docker://${registry.host}/cli/app:v1`));
    expect(r.stderr).toContain('pushed ');
    expect(r.stderr).toMatch(/push [a-f0-9]{12} .* done/);
  }, 60_000);

  it('reads the password from stdin for a TLS registry with --ca-file', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(repoRoot, 'packages/cli/src/main.ts'),
        'push',
        `docker-archive:${archive}`,
        `${secure.host}/cli/app:v1`,
        '--registry-username',
        'carol',
        '--registry-password-stdin',
        '--ca-file',
        secure.caCertPath,
      ],
      { cwd: repoRoot, input: 'pw-for-carol\n', encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.stderr).not.toContain('pw-for-carol');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(new RegExp(`^${secure.host}/cli/app:v1@sha256:[a-f0-9]{64}$`));
  }, 120_000);

  it('recognises an archive path given without a transport, and --json prints the push result', async () => {
    const r = await cli(['push', archive, `${registry.host}/cli/bare:v1`, '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(result.reference).toBe(`${registry.host}/cli/bare:v1@${String(result.digest)}`);
    expect(result.digest).toBe(skopeoDigest(`docker://${registry.host}/cli/bare:v1`));
    expect(Object.keys(result).sort()).toEqual(
      [
        'digest',
        'mountedBlobs',
        'reference',
        'skippedBlobs',
        'uploadedBlobs',
        'uploadedBytes',
      ].sort(),
    );
  }, 60_000);

  it('exits 2 with advice when the registry wants credentials', async () => {
    const r = await cli(['inspect', `${secure.host}/cli/app:v1`, '--ca-file', secure.caCertPath], {
      DOCKER_CONFIG: join(work, 'empty'),
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`error: ${secure.host} requires authentication`);
  });

  it('exits 2 naming a tag that does not exist', async () => {
    const r = await cli(['ls', `${registry.host}/cli/app:nope`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("tag 'nope' not found");
  });

  it('exits 2 on a bad platform', async () => {
    const r = await cli(['ls', `${registry.host}/cli/app:v1`, '--platform', 'linux']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("invalid platform 'linux'");
  });
});

describe('talos-kmod inspect and ls', () => {
  it('inspect --json shows the layers and config of the pushed image', async () => {
    const r = await cli(['inspect', `${registry.host}/cli/app:v1`, '--json']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as {
      images: { platform: string; layers: unknown[]; digest: string }[];
    };
    expect(info.images).toHaveLength(1);
    expect(info.images[0]?.platform).toBe('linux/amd64');
    expect(info.images[0]?.layers).toHaveLength(3);
  });

  it('ls lists the merged files under a prefix, sorted, with -l details', async () => {
    const r = await cli(['ls', `docker-archive:${archive}`, '/etc/app', '-l']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(' ').filter(Boolean)[3])).toEqual([
      'etc/app',
      'etc/app/keep',
      'etc/app/link',
    ]);
    expect(lines[1]).toMatch(/^-rwsr-xr-x /);
    expect(lines[2]).toContain('etc/app/link -> keep');
  });

  it('ls --json lists the same files with type, octal mode, owner and size', async () => {
    const plain = await cli(['ls', `docker-archive:${archive}`, '/etc/app']);
    const r = await cli(['ls', `docker-archive:${archive}`, '/etc/app', '--json']);
    expect(r.code).toBe(0);
    const files = JSON.parse(r.stdout) as {
      path: string;
      type: string;
      mode: string;
      size: number;
      linkTarget?: string;
    }[];
    expect(files.map((f) => f.path)).toEqual(plain.stdout.trim().split('\n'));
    expect(files.find((f) => f.path === 'etc/app/link')).toMatchObject({
      type: 'symlink',
      linkTarget: 'keep',
    });
    expect(files.every((f) => /^[0-7]{4}$/.test(f.mode))).toBe(true);
  });

  it('ls lists a plain directory given as dir:DIR or as a path, as verify reads it', async () => {
    const dir = join(work, 'unpacked');
    mkdirSync(join(dir, 'usr/lib'), { recursive: true });
    writeFileSync(join(dir, 'manifest.yaml'), 'version: v1alpha1\n');
    writeFileSync(join(dir, 'usr/lib/a.ko'), 'module');
    symlinkSync('a.ko', join(dir, 'usr/lib/b.ko'));
    const withTransport = await cli(['ls', `dir:${dir}`, '-l']);
    expect(withTransport.code).toBe(0);
    const lines = withTransport.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(' ').filter(Boolean)[3])).toEqual([
      'manifest.yaml',
      'usr',
      'usr/lib',
      'usr/lib/a.ko',
      'usr/lib/b.ko',
    ]);
    expect(lines[4]).toContain('usr/lib/b.ko -> a.ko');
    const asPath = await cli(['ls', dir, '/usr/lib']);
    expect(asPath.stdout).toBe('usr/lib\nusr/lib/a.ko\nusr/lib/b.ko\n');
    const inspect = await cli(['inspect', `dir:${dir}`]);
    expect(inspect.code).toBe(2);
    expect(inspect.stderr).toContain('is a plain directory, which has no manifest');
  });

  it('ls fails clearly when nothing is under the prefix', async () => {
    const r = await cli(['ls', `docker-archive:${archive}`, '/no/such/dir']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has nothing under /no/such/dir');
  });
});
