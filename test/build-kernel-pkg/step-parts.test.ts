/**
 * Parts of the build steps that need no registry or build: option validation, the cache key's
 * sensitivity, cache records, buildx metadata files, and the local result cache.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryLogger, isFieldError, spawnExec } from '@talos-kmod/common';
import {
  applyContract,
  buildExtensionContract,
  buildKernelPkgContract,
  createDirectoryCache,
  validateExtensionOptions,
  validateKernelPkgOptions,
  type RawInputs,
} from '@talos-kmod/pipeline';
import { imageIn } from '@talos-kmod/oci';
import { parseMakeArgs, readPkgsCheckout } from '@talos-kmod/talos';
import { kernelPkgCacheKey } from '../../packages/pipeline/src/build-kernel-pkg/cache-key';
import { parseKernelPkgRecord } from '../../packages/pipeline/src/build-kernel-pkg/cache-record';
import { parsePlatformsInput } from '../../packages/pipeline/src/contract/parse-inputs';
import { readBuildxMetadata } from '../../packages/pipeline/src/step-kit/metadata';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture-repos';

/** The step's options as the action reads `raw` (defaults, parsing), over a valid base. */
const kernelOptions = (raw: RawInputs = {}) =>
  applyContract(
    buildKernelPkgContract,
    { packages: 'hailort-pkg', registry: 'ghcr.io', username: 'acme', ...raw },
    'action',
    {},
  ).options;

describe('build-kernel-pkg inputs', () => {
  it.each([
    [
      { username: 'acme.' },
      /input 'username' is 'acme.', which is not a valid repository namespace: use lower-case/,
    ],
    [{ registry: 'not a host' }, /input 'registry' is "not a host", which contains a space/],
    [
      { registry: 'https://ghcr.io' },
      /input 'registry' is 'https:\/\/ghcr.io', which is not a registry host/,
    ],
    [{ platforms: 'linux' }, /input 'platforms' has 'linux', which is not os\/arch/],
    [{ platforms: 'linux/amd64\nx y' }, /input 'platforms' .* which contains a space/],
    [{ tag: '-x' }, /input 'tag' is '-x', which is not a valid image tag/],
    [{ tag: 'v1$(id)' }, /input 'tag' is .* which contains '\$'/],
    [{ packages: 'hailort pkg' }, /input 'packages' has 'hailort pkg'/],
    [
      { registry: 'myregistry' },
      /input 'registry' is 'myregistry', which docker reads as a Docker Hub namespace, not a registry host: a host needs a '\.' or a port \(e\.g\. myregistry:5000/,
    ],
    [
      { registry: '[::1]:5000' },
      /input 'registry' is '\[::1\]:5000', an IPv6 address: .* e\.g\. localhost:5000 for \[::1\]:5000$/,
    ],
  ])('refuses %j, naming the input', (patch, message) => {
    expect(() => validateKernelPkgOptions(kernelOptions(patch))).toThrow(message);
  });

  it('refuses an empty platform list given in code', () => {
    expect(() => parsePlatformsInput('platforms', [])).toThrow(/input 'platforms' is empty/);
  });

  it('accepts nested namespaces, ports and several platforms (deduplicated)', () => {
    const options = kernelOptions({
      registry: '127.0.0.1:5005',
      username: 'org/team',
      platforms: 'linux/amd64,linux/arm64,linux/amd64',
    });
    expect(options.platforms).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ]);
    expect(validateKernelPkgOptions(options).platforms).toEqual(['linux/amd64', 'linux/arm64']);
  });

  it('takes Docker Hub by its names, hosts with a port or dot, localhost, and upper-case hosts', () => {
    for (const [registry, namespace] of [
      ['docker.io', 'docker.io/acme'],
      ['index.docker.io', 'docker.io/acme'],
      ['localhost', 'localhost/acme'],
      ['localhost:5000', 'localhost:5000/acme'],
      ['registry:5000', 'registry:5000/acme'],
      ['GHCR.IO', 'GHCR.IO/acme'],
      ['ghcr.io:443', 'ghcr.io:443/acme'],
    ]) {
      expect(validateKernelPkgOptions(kernelOptions({ registry })).namespace.toString()).toBe(
        namespace,
      );
    }
  });

  it('lower-cases the GITHUB_REPOSITORY_OWNER fallback (owners may be upper case, images not)', () => {
    const { options } = applyContract(
      buildKernelPkgContract,
      { packages: 'hailort-pkg', registry: 'ghcr.io' },
      'action',
      { GITHUB_REPOSITORY_OWNER: 'AcMe-Org' },
    );
    expect(validateKernelPkgOptions(options).namespace.toString()).toBe('ghcr.io/acme-org');
  });

  it('keeps registry/username parsed: the images are named in it without parsing text again', () => {
    const v = validateKernelPkgOptions(
      kernelOptions({ registry: '127.0.0.1:5005', username: 'org/team' }),
    );
    expect(v.namespace.registry).toBe('127.0.0.1:5005');
    expect(v.namespace.path).toBe('org/team');
    expect(imageIn(v.namespace, 'kernel', 'v1.2.3').toString()).toBe(
      '127.0.0.1:5005/org/team/kernel:v1.2.3',
    );
  });
});

describe('build-extension inputs', () => {
  const extension = (raw: RawInputs) =>
    validateExtensionOptions(
      applyContract(
        buildExtensionContract,
        { extension: 'hailort', registry: 'ghcr.io', username: 'acme', ...raw },
        'action',
        {},
      ).options,
    );
  it('refuses an unpinned pkg-image, a pkgs-tag without pkgs-prefix, and a bad prefix or tag', () => {
    expect(() => extension({ 'pkg-image': 'ghcr.io/a/hailort-pkg:v1' })).toThrow(
      /input 'pkg-image' is .* not pinned: give a reference with @sha256/,
    );
    expect(() => extension({ 'pkgs-tag': 'v1' })).toThrow(/go together/);
    expect(() => extension({ 'pkgs-prefix': 'ghcr.io/a b', 'pkgs-tag': 'v1' })).toThrow(
      /input 'pkgs-prefix' .* space/,
    );
    expect(() => extension({ 'pkgs-prefix': 'ghcr.io/A', 'pkgs-tag': 'v1' })).toThrow(
      /input 'pkgs-prefix' is 'ghcr.io\/A', which is not registry\/namespace: repository namespaces are lower case, e\.g\. 'ghcr.io\/a'$/,
    );
    expect(() => extension({ 'pkgs-prefix': 'ghcr.io/a:v1', 'pkgs-tag': 'v1' })).toThrow(
      /input 'pkgs-prefix' is 'ghcr.io\/a:v1', which is not registry\/namespace \(e\.g\. ghcr.io\/acme\)$/,
    );
    expect(() => extension({ 'pkgs-prefix': 'ghcr.io/a', 'pkgs-tag': '.v1' })).toThrow(
      /input 'pkgs-tag' is '.v1', which is not a valid image tag/,
    );
  });

  it('names the other inputs in the wording of the front end (--pkgs-prefix on the CLI)', () => {
    const namers = { action: (f: string) => `input '${f}'`, cli: (f: string) => `--${f}` };
    for (const [frontEnd, namer] of Object.entries(namers)) {
      let message = '';
      try {
        extension({ 'pkg-image': 'ghcr.io/a/hailort-pkg:v1' });
      } catch (e: unknown) {
        message = isFieldError(e) ? e.wordFor(namer) : String(e);
      }
      expect({ frontEnd, message }).toEqual({
        frontEnd,
        message: `${namer('pkg-image')} is 'ghcr.io/a/hailort-pkg:v1', which is not pinned: give a reference with @sha256:… (build-kernel-pkg's pkg-image output), or use ${namer('pkgs-prefix')} and ${namer('pkgs-tag')}`,
      });
    }
  });

  it('keeps pkgs-prefix and pkg-image parsed', () => {
    const digest = `sha256:${'c'.repeat(64)}`;
    const v = extension({
      'pkgs-prefix': 'ghcr.io/a',
      'pkgs-tag': 'v1',
      'pkg-image': `ghcr.io/a/hailort-pkg:v1@${digest}`,
    });
    expect(v.pkgsNamespace?.toString()).toBe('ghcr.io/a');
    expect(v.pkgImage?.digest).toBe(digest);
    expect(v.pkgImage?.repository).toBe('a/hailort-pkg');
  });
});

describe('kernelPkgCacheKey', () => {
  const repos: FixtureRepo[] = [];
  afterAll(() => repos.forEach((r) => r.remove()));
  const keyOf = async (
    repo: FixtureRepo,
    o: Partial<Parameters<typeof kernelPkgCacheKey>[2]> = {},
    targets = ['kernel', 'hailort-pkg'],
  ) =>
    (
      await kernelPkgCacheKey(
        await readPkgsCheckout(repo.dir),
        targets,
        { platforms: ['linux/amd64'], prefix: 'r/u', makeArgs: [], ...o },
        spawnExec,
      )
    ).key;

  it('stays the same across commits that touch nothing the targets depend on', async () => {
    const repo = createFixtureRepo('pkgs');
    repos.push(repo);
    const k1 = await keyOf(repo);
    expect(k1).toMatch(/^talos-kmod-build-kernel-pkg-[0-9a-f]{40}$/);
    appendFileSync(join(repo.dir, 'hello/src/hello.c'), '/* other package */\n');
    appendFileSync(join(repo.dir, 'README.md'), 'x\n');
    repo.commit('unrelated');
    expect(await keyOf(repo)).toBe(k1);
  }, 60_000);

  it('changes with the package, the kernel, the Pkgfile, uncommitted edits, and each option', async () => {
    const repo = createFixtureRepo('pkgs');
    repos.push(repo);
    const k1 = await keyOf(repo);
    const seen = new Set([k1]);
    const expectNew = (k: string) => {
      expect(seen.has(k)).toBe(false);
      seen.add(k);
    };
    expectNew(await keyOf(repo, { platforms: ['linux/arm64'] }));
    expectNew(await keyOf(repo, { prefix: 'r/other' }));
    expectNew(await keyOf(repo, { explicitTag: 'v1' }));
    expectNew(await keyOf(repo, { makeArgs: parseMakeArgs(['PROGRESS=plain']) }));
    expectNew(await keyOf(repo, {}, ['kernel', 'hailort-pkg', 'hello-pkg']));
    appendFileSync(join(repo.dir, 'hailort/src/hailo_pci.c'), '/* uncommitted */\n');
    expectNew(await keyOf(repo));
    appendFileSync(join(repo.dir, 'kernel/build/config-amd64'), '# more\n');
    expectNew(await keyOf(repo));
    appendFileSync(join(repo.dir, 'base/pkg.yaml'), '# base\n');
    expectNew(await keyOf(repo));
    appendFileSync(join(repo.dir, 'Pkgfile'), '\n');
    expectNew(await keyOf(repo));
  }, 60_000);
});

describe('cache records and the directory cache', () => {
  it('round-trips through a directory and rejects entries of another shape', async () => {
    const cache = createDirectoryCache(join(mkdtempSync(join(tmpdir(), 'rc-')), 'nested'));
    expect(await cache.restore('k')).toBeUndefined();
    await cache.save('k', 'v1');
    await cache.save('k', 'v2');
    expect(await cache.restore('k')).toBe('v2');
    const logger = createMemoryLogger();
    expect(parseKernelPkgRecord('{"version":2}', logger)).toBeUndefined();
    expect(parseKernelPkgRecord('not json', logger)).toBeUndefined();
    expect(logger.text()).toMatch(/not a build-kernel-pkg record of this version/);
    const record = {
      version: 1,
      key: 'k',
      createdAt: 'now',
      pkgsTag: 't',
      pkgsPrefix: 'r.example/u',
      kernelImage: 'r.example/u/kernel:t@sha256:' + '0'.repeat(64),
      pkgImages: { 'a-pkg': 'r.example/u/a-pkg:t@sha256:' + '1'.repeat(64) },
    };
    const parsed = parseKernelPkgRecord(JSON.stringify(record), logger);
    expect(parsed?.kernelImage.digest).toBe('sha256:' + '0'.repeat(64));
    expect(parsed?.pkgImages['a-pkg']?.repository).toBe('u/a-pkg');
    // Written back, the record is the same text.
    expect(JSON.stringify(parsed)).toBe(JSON.stringify(record));
    // An entry is untrusted: a reference that does not parse, or is not pinned, is a miss.
    const warnings = logger.text().split('not a build-kernel-pkg record').length;
    for (const bad of [
      { ...record, kernelImage: 'r.example/u/kernel:t' },
      { ...record, kernelImage: 'R.example/U/Kernel:t@sha256:' + '0'.repeat(64) },
      { ...record, pkgImages: { 'a-pkg': 'r.example/u/a-pkg:t@sha256:nothex' } },
      { ...record, pkgImages: { 'a-pkg': 7 } },
    ]) {
      expect(parseKernelPkgRecord(JSON.stringify(bad), logger)).toBeUndefined();
    }
    expect(logger.text().split('not a build-kernel-pkg record').length).toBe(warnings + 4);
  });
});

describe('readBuildxMetadata', () => {
  it('reads the digest and image names, and is undefined for a missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meta-'));
    const digest = `sha256:${'a'.repeat(64)}`;
    writeFileSync(
      join(dir, 'kernel.metadata.json'),
      JSON.stringify({
        'containerimage.digest': digest,
        'image.name': 'r/u/kernel:t,r/u/kernel:latest',
        'containerimage.descriptor': { digest, size: 1 },
      }),
    );
    expect(await readBuildxMetadata(join(dir, 'kernel.metadata.json'))).toEqual({
      digest,
      imageNames: ['r/u/kernel:t', 'r/u/kernel:latest'],
      path: join(dir, 'kernel.metadata.json'),
    });
    expect(await readBuildxMetadata(join(dir, 'none.json'))).toBeUndefined();
  });
});
