/**
 * `talos-kmod index create` through the real CLI program, and the create-index action's bundle run
 * as the runner does, against a real registry: per-platform
 * images pushed with skopeo are joined into one index, which skopeo reads back; duplicates, a
 * missing platform and images that name no platform fail, naming what is wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createRegistryClient, mediaTypes, sha256Digest, parseReference } from '@talos-kmod/oci';
import { runAction } from '../support/action';
import { runCliCaptured } from '../support/cli';
import { newDir, pushLayout, writeOciLayout } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';

let registry: TestRegistry;
const pushed: Record<string, string> = {};

const platformImage = (architecture: string) => ({
  platform: { os: 'linux', architecture },
  layers: [[{ path: `etc/arch`, content: `${architecture}\n` }]],
});

beforeAll(async () => {
  registry = await startRegistry();
  for (const arch of ['amd64', 'arm64']) {
    const dir = await writeOciLayout(newDir(`idx-${arch}`), [platformImage(arch)], `v1-${arch}`);
    pushed[arch] = await pushLayout(dir, registry.host, 'acme/kernel', `v1-${arch}`);
    // the same image as Docker schema 2 (what the legacy builder and `docker push` produce)
    execFileSync('skopeo', [
      'copy',
      '--quiet',
      '--format',
      'v2s2',
      '--dest-tls-verify=false',
      `oci:${dir}:v1-${arch}`,
      `docker://${registry.host}/acme/docker-kernel:v1-${arch}`,
    ]);
  }
  // a second amd64 image, and an image whose config names no platform
  const other = await writeOciLayout(
    newDir('idx-other'),
    [{ ...platformImage('amd64'), layers: [[{ path: 'etc/other', content: 'x\n' }]] }],
    'other',
  );
  pushed.other = await pushLayout(other, registry.host, 'acme/kernel', 'other');
  const client = createRegistryClient();
  try {
    const put = async (repo: string, bytes: Buffer, mediaType: string, tag: string) => {
      const ref = `${registry.host}/${repo}:${tag}`;
      await client.putManifest(parseReference(ref), bytes, mediaType);
      return `${ref}@sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    };
    const config = Buffer.from(JSON.stringify({ rootfs: { type: 'layers', diff_ids: [] } }));
    const configDigest = sha256Digest(config);
    await client.putBlob(parseReference(`${registry.host}/acme/kernel`), {
      digest: configDigest,
      size: config.length,
      open: () => Readable.from([config]),
    });
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: mediaTypes.ociManifest,
        config: { mediaType: mediaTypes.ociConfig, digest: configDigest, size: config.length },
        layers: [],
      }),
    );
    pushed.noPlatform = await put('acme/kernel', manifest, mediaTypes.ociManifest, 'no-platform');
    const amd64Digest = pushed.amd64?.split('@')[1] ?? '';
    const fetched = await client.getManifest(parseReference(pushed.amd64 ?? ''));
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: mediaTypes.ociIndex,
        manifests: [
          { mediaType: mediaTypes.ociManifest, digest: amd64Digest, size: fetched.bytes.length },
        ],
      }),
    );
    pushed.unannotated = await put('acme/kernel', index, mediaTypes.ociIndex, 'unannotated');
  } finally {
    await client.close();
  }
}, 180_000);

afterAll(async () => {
  await registry?.stop();
});

const raw = (ref: string) =>
  JSON.parse(
    execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], {
      encoding: 'utf8',
    }),
  ) as { mediaType: string; manifests: { digest: string; platform: { architecture: string } }[] };

describe('talos-kmod index create', () => {
  it('joins per-platform images into one OCI index and prints its pinned reference', async () => {
    const dest = `${registry.host}/acme/kernel:v1`;
    const r = await runCliCaptured([
      'index',
      'create',
      dest,
      pushed.amd64 ?? '',
      pushed.arm64 ?? '',
      '--platform',
      'linux/amd64,linux/arm64',
    ]);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    const pinned = r.stdout.trim();
    expect(pinned).toMatch(new RegExp(`^${dest}@sha256:[0-9a-f]{64}$`));
    const index = raw(dest);
    expect(index.mediaType).toBe(mediaTypes.ociIndex);
    expect(index.manifests.map((m) => [m.platform.architecture, m.digest])).toEqual([
      ['amd64', pushed.amd64?.split('@')[1]],
      ['arm64', pushed.arm64?.split('@')[1]],
    ]);
    const bytes = execFileSync('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${dest}`,
    ]);
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(pinned.split('@')[1]);
  }, 120_000);

  it('writes a Docker manifest list when every source is a Docker schema 2 image, with --json', async () => {
    const dest = `${registry.host}/acme/docker-kernel:v1`;
    const r = await runCliCaptured([
      'index',
      'create',
      dest,
      `${registry.host}/acme/docker-kernel:v1-amd64`,
      `${registry.host}/acme/docker-kernel:v1-arm64`,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      reference: string;
      mediaType: string;
      entries: { platform: string; source: string }[];
    };
    expect(out.mediaType).toBe(mediaTypes.dockerManifestList);
    expect(out.entries.map((e) => e.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    expect(raw(dest).mediaType).toBe(mediaTypes.dockerManifestList);
  }, 120_000);

  it('takes the platform images of an index source', async () => {
    const dest = `${registry.host}/acme/kernel:v1-again`;
    const r = await runCliCaptured(['index', 'create', dest, `${registry.host}/acme/kernel:v1`]);
    expect(r.code).toBe(0);
    expect(raw(dest).manifests.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
  }, 120_000);

  it('fails naming the platform that is missing, and pushes nothing', async () => {
    const dest = `${registry.host}/acme/kernel:missing`;
    const r = await runCliCaptured([
      'index',
      'create',
      dest,
      pushed.amd64 ?? '',
      '--platform',
      'linux/amd64',
      '--platform',
      'linux/arm64',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no linux/arm64 image among the sources (linux/amd64)');
    expect(r.stdout).toBe('');
    const client = createRegistryClient();
    try {
      expect(await client.head(parseReference(dest))).toBeUndefined();
    } finally {
      await client.close();
    }
  }, 120_000);

  it('refuses two images for one platform, naming both', async () => {
    const r = await runCliCaptured([
      'index',
      'create',
      `${registry.host}/acme/kernel:dup`,
      pushed.amd64 ?? '',
      pushed.other ?? '',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `linux/amd64 comes from both '${pushed.amd64}' and '${pushed.other}'`,
    );
  }, 120_000);

  it('refuses an image whose config names no platform, and an index entry without one', async () => {
    const noPlatform = await runCliCaptured([
      'index',
      'create',
      `${registry.host}/acme/kernel:np`,
      pushed.noPlatform ?? '',
    ]);
    expect(noPlatform.code).toBe(1);
    expect(noPlatform.stderr).toContain(`source '${pushed.noPlatform}' names no platform`);
    const unannotated = await runCliCaptured([
      'index',
      'create',
      `${registry.host}/acme/kernel:np`,
      pushed.unannotated ?? '',
    ]);
    expect(unannotated.code).toBe(1);
    expect(unannotated.stderr).toContain('has no platform annotation');
  }, 120_000);
});

describe('create-index action', () => {
  it('creates every index of the indexes input and outputs them pinned', async () => {
    const kernel = `${registry.host}/acme/kernel:v2`;
    const docker = `${registry.host}/acme/docker-kernel:v2`;
    const run = await runAction('create-index', {
      indexes: JSON.stringify({
        [kernel]: [pushed.amd64, pushed.arm64],
        [docker]: [
          `${registry.host}/acme/docker-kernel:v1-amd64`,
          `${registry.host}/acme/docker-kernel:v1-arm64`,
        ],
      }),
      platforms: 'linux/amd64\nlinux/arm64',
    });
    expect(run.failure).toBeUndefined();
    expect(run.exitCode).toBe(0);
    const out = JSON.parse(run.outputs.indexes ?? '{}') as Record<string, string>;
    expect(Object.keys(out)).toEqual([kernel, docker]);
    expect(out[kernel]).toMatch(new RegExp(`^${kernel}@sha256:[0-9a-f]{64}$`));
    expect(raw(docker).manifests.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
    expect(run.summary).toContain('linux/arm64');
  }, 120_000);

  it('attempts every index and fails naming each one whose platform is missing', async () => {
    const run = await runAction('create-index', {
      indexes: JSON.stringify({
        [`${registry.host}/acme/kernel:v3`]: [pushed.amd64, pushed.arm64],
        [`${registry.host}/acme/installer:v3`]: [pushed.amd64],
      }),
      platforms: 'linux/amd64,linux/arm64',
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.failure).toContain('1 of 2 indexes could not be created');
    expect(run.failure).toContain(
      `${registry.host}/acme/installer:v3: no linux/arm64 image among the sources (linux/amd64)`,
    );
    expect(raw(`${registry.host}/acme/kernel:v3`).manifests).toHaveLength(2);
  }, 120_000);

  it('refuses an indexes input that is not a JSON object of lists, naming the input', async () => {
    const run = await runAction('create-index', { indexes: '["a"]' });
    expect(run.failure).toContain("input 'indexes' must be a JSON object");
  }, 60_000);
});
