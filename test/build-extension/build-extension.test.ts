/**
 * build-extension through its bundled action, chained to packages built by build-kernel-pkg on the
 * fixture repositories, the real Docker engine and a real registry; verify-image and skopeo are
 * the oracles.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '@talos-kmod/cli';
import { createMemoryLogger, spawnExec } from '@talos-kmod/common';
import { parseNamespace, parsePlatform } from '@talos-kmod/oci';
import { buildKernelPkg, verifyImage, type BuildKernelPkgResult } from '@talos-kmod/pipeline';
import { runAction, type ActionRun } from '../support/action';
import { ensureDocker } from '../support/docker';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture-repos';
import { startRegistry, type TestRegistry } from '../support/registry';
import {
  createMakeCounter,
  listFiles,
  skopeoDigest,
  unpackImage,
} from '../build-kernel-pkg/helpers';

const minutes = 60_000;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('build-extension action', () => {
  let registry: TestRegistry;
  let pkgs: FixtureRepo;
  let ext: FixtureRepo;
  let built: BuildKernelPkgResult;
  const counter = createMakeCounter();
  const buildkitCache = mkdtempSync(join(tmpdir(), 'buildkit-cache-'));
  const env = () => ({
    PATH: `${counter.binDir}:${process.env.PATH ?? ''}`,
    FIXTURE_BUILDKIT_CACHE: buildkitCache,
  });
  const run = (inputs: Record<string, string>): Promise<ActionRun> =>
    runAction(
      'build-extension',
      { 'extensions-dir': ext.dir, registry: registry.host, ...inputs },
      { env: env() },
    );
  const hailortPkgYaml = () => readFileSync(join(ext.dir, 'drivers/hailort/pkg.yaml'));

  beforeAll(async () => {
    await ensureDocker();
    registry = await startRegistry();
    pkgs = createFixtureRepo('pkgs');
    ext = createFixtureRepo('extensions');
    built = await buildKernelPkg(
      {
        pkgsDir: pkgs.dir,
        packages: ['hailort-pkg', 'hello-pkg'],
        namespace: parseNamespace(`${registry.host}/example-owner`),
        platforms: [parsePlatform('linux/amd64')],
        push: true,
        makeArgs: [],
        verifySignatures: true,
        cache: false,
        insecureRegistries: [],
      },
      { exec: spawnExec, logger: createMemoryLogger(), env: { ...process.env, ...env() } },
    );
  }, 5 * minutes);

  afterAll(async () => {
    await registry?.stop();
    pkgs?.remove();
    ext?.remove();
    for (const d of [buildkitCache, counter.binDir]) rmSync(d, { recursive: true, force: true });
  });

  it(
    'builds hailort against the fork packages through PKGS_PREFIX/PKGS into a pinned image that passes verify-image',
    async () => {
      const before = hailortPkgYaml();
      const r = await run({
        extension: 'hailort',
        'pkgs-prefix': built.pkgsPrefix.toString(),
        'pkgs-tag': built.pkgsTag,
      });
      expect(r.failure).toBeUndefined();
      expect(r.exitCode).toBe(0);
      const name = `${registry.host}/example-owner/hailort`;
      expect(r.outputs['extension-name']).toBe('hailort');
      expect(r.outputs['extension-version']).toBe('4.24.0');
      expect(r.outputs['extension-image']).toBe(`${name}:4.24.0@${skopeoDigest(`${name}:4.24.0`)}`);
      const call = counter.calls().at(-1) ?? '';
      expect(call).toContain(`PKGS_PREFIX=${built.pkgsPrefix.toString()} PKGS=${built.pkgsTag}`);
      expect(call).not.toContain('PKG_KERNEL');
      expect(hailortPkgYaml().equals(before)).toBe(true);

      const root = unpackImage(r.outputs['extension-image'] ?? '');
      expect(readdirSync(root).sort()).toEqual(['manifest.yaml', 'rootfs']);
      expect(listFiles(join(root, 'rootfs'))).toEqual([
        'usr/lib/firmware/hailo/hailo8_fw.bin',
        expect.stringMatching(/^usr\/lib\/modules\/[^/]+\/kernel\/drivers\/misc\/hailo_pci\.ko$/),
        'usr/lib/udev/rules.d/51-hailo-udev.rules',
      ]);

      const report = await verifyImage(
        {
          image: r.outputs['extension-image'] ?? '',
          kernelImage: built.kernelImage?.toString() ?? '',
          extensionName: 'hailort',
          modules: ['hailo_pci'],
        },
        { logger: createMemoryLogger() },
      );
      expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
      expect(report.passed).toBe(true);
      expect(report.platforms[0]?.kind).toBe('extension');
    },
    5 * minutes,
  );

  it(
    'pins the one image line to pkg-image for the build and restores pkg.yaml byte for byte',
    async () => {
      const before = hailortPkgYaml();
      const pkgImage = built.pkgImages['hailort-pkg']?.toString() ?? '';
      const r = await run({ extension: 'hailort', 'pkg-image': pkgImage });
      expect(r.failure).toBeUndefined();
      expect(r.exitCode).toBe(0);
      expect(counter.calls().at(-1)).not.toContain('PKGS_PREFIX');
      expect(r.stdout).toMatch(/drivers\/hailort\/pkg\.yaml line 8 pinned to /);
      expect(hailortPkgYaml().equals(before)).toBe(true);
      expect(ext.git('status', '--porcelain')).toBe('');
      // The module in the extension is the one of the pinned package, byte for byte.
      const find = (root: string) =>
        join(root, listFiles(root).find((f) => f.endsWith('hailo_pci.ko')) ?? 'missing');
      const fromExt = find(join(unpackImage(r.outputs['extension-image'] ?? ''), 'rootfs'));
      const fromPkg = find(unpackImage(pkgImage));
      expect(sha256(fromExt)).toBe(sha256(fromPkg));
    },
    5 * minutes,
  );

  it(
    'restores pkg.yaml when make fails with the line pinned',
    async () => {
      const before = hailortPkgYaml();
      const r = await run({
        extension: 'hailort',
        'pkg-image': built.pkgImages['hailort-pkg']?.toString() ?? '',
        platforms: 'linux/s390x',
      });
      expect(r.exitCode).toBe(1);
      expect(r.failure).toMatch(/make hailort failed with exit code 2/);
      expect(r.stdout).toContain("cannot build for platform 'linux/s390x'");
      expect(r.summary).toContain('build-extension failed');
      expect(hailortPkgYaml().equals(before)).toBe(true);
    },
    5 * minutes,
  );

  it(
    'tags with the TAG computed before the edit ({{ .BUILD_ARG_TAG }}), never -dirty',
    async () => {
      const sha = ext.git('rev-parse', '--short', 'HEAD');
      const r = await run({
        extension: 'hello',
        'pkg-image': built.pkgImages['hello-pkg']?.toString() ?? '',
      });
      expect(r.exitCode).toBe(0);
      expect(r.outputs['extension-version']).toBe(`1.2.0-${sha}`);
      const root = unpackImage(r.outputs['extension-image'] ?? '');
      expect(readFileSync(join(root, 'manifest.yaml'), 'utf8')).toContain(
        `version: "1.2.0-${sha}"`,
      );
    },
    5 * minutes,
  );

  it(
    'takes the tag from the buildx metadata when VERSION needs template functions',
    async () => {
      const r = await run({
        extension: 'fixture-uinput',
        'pkgs-prefix': built.pkgsPrefix.toString(),
        'pkgs-tag': built.pkgsTag,
      });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(
        /only bldr can evaluate; taking the tag from buildx's metadata file/,
      );
      expect(r.outputs['extension-version']).toBe('1.0.3');
      const name = `${registry.host}/example-owner/fixture-uinput`;
      expect(r.outputs['extension-image']).toBe(`${name}:1.0.3@${skopeoDigest(`${name}:1.0.3`)}`);
    },
    5 * minutes,
  );

  it(
    'works on the release-1.10/1.11 Makefile (TAG :=, no metadata file of its own) through CI_ARGS',
    async () => {
      const old = createFixtureRepo('extensions');
      try {
        const makefile = join(old.dir, 'Makefile');
        const text = readFileSync(makefile, 'utf8');
        const edited = text
          .replace('TAG ?= $(shell git describe', 'TAG := $(shell git describe')
          .replace(' --metadata-file=$(ARTIFACTS)/$@.metadata.json"', '"')
          .replace('COMMON_ARGS += --sbom=false\n', '');
        expect(edited).not.toBe(text);
        expect(edited).not.toMatch(/^\t.*--metadata-file/m);
        writeFileSync(makefile, edited);
        old.commit('release-1.11 form');
        const r = await runAction(
          'build-extension',
          {
            'extensions-dir': old.dir,
            extension: 'fixture-uinput',
            'pkgs-prefix': built.pkgsPrefix.toString(),
            'pkgs-tag': built.pkgsTag,
            registry: registry.host,
            username: 'old-branch',
            tag: 'v1.11.0',
          },
          { env: env() },
        );
        expect(r.failure).toBeUndefined();
        expect(r.outputs['extension-version']).toBe('1.0.3');
        const name = `${registry.host}/old-branch/fixture-uinput`;
        expect(r.outputs['extension-image']).toBe(`${name}:1.0.3@${skopeoDigest(`${name}:1.0.3`)}`);
        expect(counter.calls().at(-1)).toContain('TAG=v1.11.0');
      } finally {
        old.remove();
      }
    },
    5 * minutes,
  );

  it(
    'with push false builds without pushing and outputs the name and version only',
    async () => {
      const r = await run({
        extension: 'hailort',
        'pkgs-prefix': built.pkgsPrefix.toString(),
        'pkgs-tag': built.pkgsTag,
        push: 'false',
        username: 'nopush',
      });
      expect(r.exitCode).toBe(0);
      expect(r.outputs['extension-image']).toBeUndefined();
      expect(r.outputs['extension-name']).toBe('hailort');
      expect(r.outputs['extension-version']).toBe('4.24.0');
      expect(r.stdout).toMatch(/push is false: the extension was built but not pushed/);
      expect(() => skopeoDigest(`${registry.host}/nopush/hailort:4.24.0`)).toThrow();
    },
    5 * minutes,
  );

  it.each([
    [
      { extension: 'hailort-pkg' },
      /extension 'hailort-pkg' is not a target .*Extensions available: fixture-uinput, hailort, hello/,
    ],
    [
      { extension: 'hailort', 'pkgs-prefix': 'r/u' },
      /input 'pkgs-prefix' and input 'pkgs-tag' go together/,
    ],
    [
      { extension: 'hailort', 'pkg-image': '127.0.0.1:5000/u/hailort-pkg:v1' },
      /input 'pkg-image' .* is not pinned/,
    ],
    [
      { extension: 'hailort', 'pkgs-prefix': 'PLACEHOLDER', 'pkgs-tag': 'missing-tag' },
      /pulls .*\/hailort-pkg:missing-tag, which is not in the registry/,
    ],
    [
      { extension: 'hello', 'pkg-image': 'PKG_OF_HAILORT' },
      /has no '- image: "\{\{ \.BUILD_ARG_PKGS_PREFIX \}\}\/hailort-pkg:\{\{ \.BUILD_ARG_PKGS \}\}"' line to pin/,
    ],
    [{ extension: 'hailort', 'make-args': 'PROGRESS=a;b' }, /contains ';'/],
  ])(
    'refuses bad input before make: %j',
    async (inputs, message) => {
      const calls = counter.calls().length;
      const fixed = Object.fromEntries(
        Object.entries(inputs).map(([k, v]) => [
          k,
          v === 'PLACEHOLDER'
            ? built.pkgsPrefix.toString()
            : v === 'PKG_OF_HAILORT'
              ? (built.pkgImages['hailort-pkg']?.toString() ?? '')
              : v,
        ]),
      );
      const r = await run(fixed);
      expect(r.exitCode).toBe(1);
      expect(r.failure).toMatch(message);
      expect(counter.calls()).toHaveLength(calls);
      expect(ext.git('status', '--porcelain')).toBe('');
    },
    minutes,
  );

  it(
    'fails for a directory that is not an extensions checkout',
    async () => {
      const r = await runAction(
        'build-extension',
        { 'extensions-dir': pkgs.dir, extension: 'hailort', registry: registry.host },
        { env: env() },
      );
      expect(r.exitCode).toBe(1);
      expect(r.failure).toMatch(
        /is not a siderolabs\/extensions checkout: its Makefile has no PKGS_PREFIX variable \(it looks like a pkgs checkout/,
      );
    },
    minutes,
  );

  it(
    'runs from the CLI and prints the outputs on stdout',
    async () => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let out = '';
      let err = '';
      stdout.on('data', (b: Buffer) => (out += b.toString()));
      stderr.on('data', (b: Buffer) => (err += b.toString()));
      const code = await runCli(
        [
          'build-extension',
          '--extensions-dir',
          ext.dir,
          '--extension',
          'hailort',
          '--pkgs-prefix',
          built.pkgsPrefix.toString(),
          '--pkgs-tag',
          built.pkgsTag,
          '--registry',
          registry.host,
          '--username',
          'cli-user',
        ],
        { stdout, stderr, env: { ...process.env, ...env() }, cwd: ext.dir },
      );
      expect(err).not.toMatch(/^error/m);
      expect(code).toBe(0);
      const name = `${registry.host}/cli-user/hailort`;
      expect(out).toContain(`extension-image=${name}:4.24.0@${skopeoDigest(`${name}:4.24.0`)}\n`);
      expect(out).toContain('extension-name=hailort\n');
      expect(
        await runCli(['build-extension', '--extensions-dir', ext.dir], {
          stdout,
          stderr,
          env: process.env,
          cwd: ext.dir,
        }),
      ).toBe(2);
      expect(err).toContain('--extension is required');
    },
    5 * minutes,
  );
});
