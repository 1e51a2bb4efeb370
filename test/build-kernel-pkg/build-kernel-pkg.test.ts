/**
 * build-kernel-pkg through its bundled action (INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY), on
 * the pkgs fixture repository, the real Docker engine and a real registry. skopeo and modinfo are
 * the oracles.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '@talos-kmod/cli';
import { runAction, type ActionRun } from '../support/action';
import { ensureDocker } from '../support/docker';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture-repos';
import { startRegistry, type TestRegistry } from '../support/registry';
import { startTokenRegistry } from '../support/registry-auth';
import { createMakeCounter, modinfo, skopeoDigest, unpackImage } from './helpers';

const minutes = 60_000;

describe('build-kernel-pkg action', () => {
  let registry: TestRegistry;
  let pkgs: FixtureRepo;
  const counter = createMakeCounter();
  const buildkitCache = mkdtempSync(join(tmpdir(), 'buildkit-cache-'));
  const resultCache = mkdtempSync(join(tmpdir(), 'result-cache-'));
  const env = () => ({
    PATH: `${counter.binDir}:${process.env.PATH ?? ''}`,
    FIXTURE_BUILDKIT_CACHE: buildkitCache,
    TALOS_KMOD_CACHE_DIR: resultCache,
  });
  const run = (inputs: Record<string, string>): Promise<ActionRun> =>
    runAction(
      'build-kernel-pkg',
      { 'pkgs-dir': pkgs.dir, registry: registry.host, ...inputs },
      { env: env() },
    );
  // The first build, made once by whichever test needs it first, so each test sets up what it
  // reads (run alone with -t, it still has a build and a cache entry to work on).
  let firstRun: Promise<{ run: ActionRun; makeCallsBefore: number }> | undefined;
  const firstBuild = () => {
    firstRun ??= (async () => {
      const makeCallsBefore = counter.calls().length;
      return { run: await run({ packages: 'hailort-pkg' }), makeCallsBefore };
    })();
    return firstRun;
  };
  /** The cache entry recording `tag` (the newest, when rebuilt since). */
  const cacheEntry = (tag: string): { file: string; record: Record<string, unknown> } => {
    const entries = readdirSync(resultCache)
      .filter((f) => f.endsWith('.json'))
      .map((f) => {
        const file = join(resultCache, f);
        return { file, record: JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> };
      })
      .filter((e) => e.record.pkgsTag === tag)
      .sort((a, b) => String(b.record.createdAt).localeCompare(String(a.record.createdAt)));
    const [entry] = entries;
    if (!entry) throw new Error(`no cache entry for tag ${tag} in ${resultCache}`);
    return entry;
  };

  beforeAll(async () => {
    await ensureDocker();
    registry = await startRegistry();
    pkgs = createFixtureRepo('pkgs');
  }, 2 * minutes);

  afterAll(async () => {
    await registry?.stop();
    pkgs?.remove();
    for (const d of [buildkitCache, resultCache, counter.binDir])
      rmSync(d, { recursive: true, force: true });
  });

  it(
    'builds kernel and hailort-pkg in one make and outputs pinned references the registry confirms',
    async () => {
      const sha = pkgs.git('rev-parse', '--short', 'HEAD');
      const { run: first, makeCallsBefore } = await firstBuild();
      expect(first.stderr + first.failure).not.toMatch(/error/i);
      expect(first.exitCode).toBe(0);
      const prefix = `${registry.host}/example-owner`;
      const o = first.outputs;
      expect(o['pkgs-prefix']).toBe(prefix);
      expect(o['pkgs-tag']).toBe(sha);
      expect(o['cache-hit']).toBe('false');
      expect(o['kernel-image']).toBe(
        `${prefix}/kernel:${sha}@${skopeoDigest(`${prefix}/kernel:${sha}`)}`,
      );
      const pkgRef = `${prefix}/hailort-pkg:${sha}@${skopeoDigest(`${prefix}/hailort-pkg:${sha}`)}`;
      expect(o['pkg-image']).toBe(pkgRef);
      expect(JSON.parse(o['pkg-images'] ?? '')).toEqual({ 'hailort-pkg': pkgRef });

      // One top-level make, with the upstream variables, TAG explicit and CI_ARGS last.
      expect(counter.calls()).toHaveLength(makeCallsBefore + 1);
      expect(counter.calls()[makeCallsBefore]).toMatch(
        new RegExp(
          `^kernel hailort-pkg REGISTRY=${registry.host} USERNAME=example-owner PUSH=true ` +
            `PLATFORM=linux/amd64 TAG=${sha} CI_ARGS=--metadata-file=/\\S+/\\$\\*\\.metadata\\.json$`,
        ),
      );
      expect(first.summary).toContain(pkgRef);
      expect(first.summary).toMatch(/passed/);
    },
    5 * minutes,
  );

  it(
    'builds the package with the kernel build key, for the kernel release of the image (modinfo oracle)',
    async () => {
      const { run: first } = await firstBuild();
      const kernel = unpackImage(first.outputs['kernel-image'] ?? '');
      const pkg = unpackImage(first.outputs['pkg-image'] ?? '');
      const kver = readdirSync(join(kernel, 'usr/lib/modules'))[0] as string;
      const intree = join(kernel, 'usr/lib/modules', kver, 'kernel/drivers/misc/fixture_intree.ko');
      const hailo = join(pkg, 'usr/lib/modules', kver, 'kernel/drivers/misc/hailo_pci.ko');
      expect(modinfo(hailo, 'signer')).toBe('Build time throw-away kernel key');
      expect(modinfo(hailo, 'sig_key')).toBe(modinfo(intree, 'sig_key'));
      expect(modinfo(hailo, 'vermagic').split(' ')[0]).toBe(kver);
      expect(modinfo(hailo, 'firmware')).toBe('hailo/hailo8_fw.bin');
    },
    5 * minutes,
  );

  it(
    'serves an unchanged re-run from the cache without running make',
    async () => {
      const { run: first } = await firstBuild();
      const before = counter.calls().length;
      const again = await run({ packages: 'hailort-pkg' });
      expect(again.exitCode).toBe(0);
      expect(again.outputs['cache-hit']).toBe('true');
      expect(counter.calls()).toHaveLength(before);
      for (const k of ['kernel-image', 'pkg-image', 'pkg-images', 'pkgs-tag', 'pkgs-prefix']) {
        expect(again.outputs[k]).toBe(first.outputs[k]);
      }
      expect(again.summary).toMatch(/cache hit/);
    },
    7 * minutes,
  );

  it(
    'verifies on a cache hit the images of an entry recorded without verification',
    async () => {
      const { run: first } = await firstBuild();
      const entry = cacheEntry(first.outputs['pkgs-tag'] ?? '');
      writeFileSync(entry.file, JSON.stringify({ ...entry.record, verified: false }));
      const before = counter.calls().length;
      const hit = await run({ packages: 'hailort-pkg' });
      expect(hit.exitCode).toBe(0);
      expect(hit.outputs['cache-hit']).toBe('true');
      expect(counter.calls()).toHaveLength(before);
      expect(hit.summary).toContain('verified against the kernel key');
      expect(hit.summary).toMatch(/hailort-pkg[^\n]*\| passed \|/);
      // verified on a hit that trusts the record: the table is absent
      writeFileSync(entry.file, JSON.stringify({ ...entry.record, verified: true }));
      const trusted = await run({ packages: 'hailort-pkg' });
      expect(trusted.outputs['cache-hit']).toBe('true');
      expect(trusted.summary).not.toContain('verified against the kernel key');
    },
    7 * minutes,
  );

  it(
    'builds again when a recorded image was moved to another repository or deleted',
    async () => {
      const { run: first } = await firstBuild();
      const tag = first.outputs['pkgs-tag'] ?? '';
      const entry = cacheEntry(tag);
      const pkgImages = entry.record.pkgImages as Record<string, string>;
      const moved = Object.fromEntries(
        Object.entries(pkgImages).map(([k, v]) => [
          k,
          v.replace('/hailort-pkg:', '/moved-hailort-pkg:'),
        ]),
      );
      writeFileSync(entry.file, JSON.stringify({ ...entry.record, pkgImages: moved }));
      let before = counter.calls().length;
      const afterMove = await run({ packages: 'hailort-pkg' });
      expect(afterMove.exitCode).toBe(0);
      expect(afterMove.outputs['cache-hit']).toBe('false');
      expect(afterMove.stdout).toMatch(
        /cache entry unusable: .*moved-hailort-pkg.* no longer in the registry/,
      );
      expect(counter.calls()).toHaveLength(before + 1);
      expect(afterMove.outputs['pkg-image']).toMatch(/\/hailort-pkg:/);

      // the registry loses the kernel's tag (deleted from its storage): the record is unusable
      rmSync(
        join(
          registry.storageDir,
          'docker/registry/v2/repositories/example-owner/kernel/_manifests/tags',
          tag,
        ),
        { recursive: true, force: true },
      );
      before = counter.calls().length;
      const afterDelete = await run({ packages: 'hailort-pkg' });
      expect(afterDelete.exitCode).toBe(0);
      expect(afterDelete.outputs['cache-hit']).toBe('false');
      expect(afterDelete.stdout).toMatch(
        /cache entry unusable: .*\/kernel:.* no longer in the registry/,
      );
      expect(counter.calls()).toHaveLength(before + 1);
      expect(skopeoDigest(`${registry.host}/example-owner/kernel:${tag}`)).toMatch(/^sha256:/);
    },
    12 * minutes,
  );

  it(
    'builds again when the package source changes',
    async () => {
      appendFileSync(join(pkgs.dir, 'hailort/src/hailo_pci.c'), '/* changed */\n');
      const sha = pkgs.commit('change the hailort module');
      const before = counter.calls().length;
      const changed = await run({ packages: 'hailort-pkg' });
      expect(changed.exitCode).toBe(0);
      expect(changed.outputs['cache-hit']).toBe('false');
      expect(changed.outputs['pkgs-tag']).toBe(sha);
      expect(counter.calls()).toHaveLength(before + 1);
    },
    5 * minutes,
  );

  it(
    'fails with the throw-away key explanation when the kernel is rebuilt alone after its build cache is evicted',
    async () => {
      const together = await run({ packages: 'hailort-pkg', tag: 'keytest', cache: 'false' });
      expect(together.exitCode).toBe(0);
      // BuildKit evicting its cache: the next kernel-build generates a new key.
      rmSync(buildkitCache, { recursive: true, force: true });
      const alone = await run({ packages: '', tag: 'keytest', cache: 'false' });
      expect(alone.exitCode).toBe(1);
      expect(alone.failure).toContain(`${registry.host}/example-owner/hailort-pkg:keytest@sha256:`);
      expect(alone.failure).toMatch(/rebuilt alone and got a fresh throw-away key/);
      expect(alone.stdout).toMatch(
        /signature\.certificate .*Loading of module with unavailable key is rejected/,
      );
      expect(alone.summary).toMatch(/build-kernel-pkg failed/);
    },
    5 * minutes,
  );

  it(
    'with push false builds without pushing and outputs no pinned references, saying why',
    async () => {
      const calls = counter.calls().length;
      const r = await run({ packages: 'hailort-pkg', push: 'false', tag: 'nopush' });
      expect(r.exitCode).toBe(0);
      expect(counter.calls()[calls]).toContain('PUSH=false');
      expect(r.outputs['pkgs-tag']).toBe('nopush');
      expect(r.outputs['pkgs-prefix']).toBe(`${registry.host}/example-owner`);
      expect(r.outputs['kernel-image']).toBeUndefined();
      expect(r.outputs['pkg-image']).toBeUndefined();
      expect(r.stdout).toMatch(/push is false: the images were built but not pushed/);
      expect(() => skopeoDigest(`${registry.host}/example-owner/kernel:nopush`)).toThrow();
    },
    5 * minutes,
  );

  it(
    'fails before make for an unknown package, listing the module packages available',
    async () => {
      const calls = counter.calls().length;
      const r = await run({ packages: 'hailort' });
      expect(r.exitCode).toBe(1);
      expect(r.failure).toContain("package 'hailort' is not a target");
      expect(r.failure).toContain("its package is named 'hailort-pkg'");
      expect(r.failure).toContain(
        'Module packages available: hailort-pkg, hello-pkg, nonfree-hello-pkg',
      );
      expect(counter.calls()).toHaveLength(calls);
    },
    minutes,
  );

  it(
    'fails for a directory that is not a pkgs checkout',
    async () => {
      const ext = createFixtureRepo('extensions');
      try {
        const r = await runAction(
          'build-kernel-pkg',
          { 'pkgs-dir': ext.dir, registry: registry.host, packages: 'hailort-pkg' },
          { env: env() },
        );
        expect(r.exitCode).toBe(1);
        expect(r.failure).toMatch(
          /looks like a siderolabs\/extensions checkout .* point pkgs-dir at your pkgs fork/,
        );
      } finally {
        ext.remove();
      }
    },
    minutes,
  );

  it(
    'fails before make when the registry is unreachable',
    async () => {
      const calls = counter.calls().length;
      const r = await run({ packages: 'hailort-pkg', registry: '127.0.0.1:1' });
      expect(r.exitCode).toBe(1);
      expect(r.failure).toMatch(
        /registry 127\.0\.0\.1:1 is not usable before the build: .*check the registry input/,
      );
      expect(counter.calls()).toHaveLength(calls);
    },
    minutes,
  );

  it.each([
    ['username', { username: 'a b' }, /input 'username' is "a b", which contains a space/],
    ['tag', { tag: 'v1;id' }, /input 'tag' is "v1;id", which contains ';'/],
    [
      'make-args',
      { 'make-args': 'PROGRESS=$(id)' },
      /make-args entry 'PROGRESS' is "\$\(id\)", which contains '\$'/,
    ],
    ['make-args', { 'make-args': 'TAG=v2' }, /use the 'tag' input instead/],
  ])(
    'refuses a %s that would change the make command line',
    async (_name, inputs, message) => {
      const calls = counter.calls().length;
      const r = await run({ packages: 'hailort-pkg', ...inputs });
      expect(r.exitCode).toBe(1);
      expect(r.failure).toMatch(message);
      expect(counter.calls()).toHaveLength(calls);
    },
    minutes,
  );

  it(
    'reports a failing make with its last lines in the error and the job summary',
    async () => {
      const broken = createFixtureRepo('pkgs');
      try {
        writeFileSync(join(broken.dir, 'hailort/src/hailo_pci.c'), 'this is not C;\n');
        broken.commit('break the module');
        const r = await runAction(
          'build-kernel-pkg',
          {
            'pkgs-dir': broken.dir,
            registry: registry.host,
            packages: 'hailort-pkg',
            cache: 'false',
          },
          { env: env() },
        );
        expect(r.exitCode).toBe(1);
        expect(r.failure).toMatch(
          /make kernel hailort-pkg failed with exit code 2 in .*; its last lines are below/,
        );
        expect(r.stdout).toMatch(/hailo_pci\.c:1:.*error/);
        expect(r.summary).toMatch(/hailo_pci\.c:1:.*error/);
        expect(r.summary).toContain('build-kernel-pkg failed');
      } finally {
        broken.remove();
      }
    },
    5 * minutes,
  );

  it(
    'pushes with registry-username and registry-password to a registry that requires them',
    async () => {
      const secured = await startTokenRegistry({ users: { ci: 's3cret-token' } });
      const home = mkdtempSync(join(tmpdir(), 'empty-home-'));
      try {
        const inputs = {
          'pkgs-dir': pkgs.dir,
          registry: secured.host,
          packages: 'hello-pkg',
          cache: 'false',
          tag: 'authed',
        };
        const denied = await runAction('build-kernel-pkg', inputs, {
          env: { ...env(), HOME: home },
        });
        expect(denied.exitCode).toBe(1);
        expect(denied.failure).toMatch(
          new RegExp(`registry ${secured.host} is not usable before the build: .*log in first`),
        );
        const r = await runAction(
          'build-kernel-pkg',
          { ...inputs, 'registry-username': 'ci', 'registry-password': 's3cret-token' },
          { env: { ...env(), HOME: home } },
        );
        expect(r.failure).toBeUndefined();
        expect(r.outputs['pkg-image']).toMatch(
          new RegExp(`^${secured.host}/example-owner/hello-pkg:authed@sha256:[0-9a-f]{64}$`),
        );
        expect(r.stdout).toContain('::add-mask::s3cret-token');
        expect(
          r.stdout
            .split('\n')
            .filter((l) => l.includes('s3cret-token') && !l.startsWith('::add-mask::')),
        ).toEqual([]);
        expect(readdirSync(home)).toEqual([]);
      } finally {
        await secured.stop();
        rmSync(home, { recursive: true, force: true });
      }
    },
    5 * minutes,
  );

  it(
    'runs from the CLI with a local cache directory and prints the outputs on stdout',
    async () => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let out = '';
      let err = '';
      stdout.on('data', (b: Buffer) => (out += b.toString()));
      stderr.on('data', (b: Buffer) => (err += b.toString()));
      const cacheDir = mkdtempSync(join(tmpdir(), 'cli-cache-'));
      const argv = [
        'build-kernel-pkg',
        '--pkgs-dir',
        pkgs.dir,
        '--package',
        'hello-pkg',
        '--registry',
        registry.host,
        '--username',
        'cli-user',
        '--cache-dir',
        cacheDir,
      ];
      const io = {
        stdout,
        stderr,
        env: { ...process.env, FIXTURE_BUILDKIT_CACHE: buildkitCache },
        cwd: pkgs.dir,
      };
      const code = await runCli(argv, io);
      expect(err).not.toMatch(/^error/m);
      expect(code).toBe(0);
      const lines = Object.fromEntries(
        out
          .trim()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      const tag = pkgs.git('rev-parse', '--short', 'HEAD');
      expect(lines['pkg-image']).toBe(
        `${registry.host}/cli-user/hello-pkg:${tag}@${skopeoDigest(`${registry.host}/cli-user/hello-pkg:${tag}`)}`,
      );
      expect(lines['cache-hit']).toBe('false');
      out = '';
      expect(await runCli(argv, io)).toBe(0);
      expect(out).toContain('cache-hit=true');
      expect(
        await runCli(
          ['build-kernel-pkg', '--pkgs-dir', pkgs.dir, '--username', 'u', '--platform', 'linux'],
          io,
        ),
      ).toBe(2);
      expect(err).toMatch(/--platform has 'linux'/);
      err = '';
      expect(
        await runCli(
          [
            'build-kernel-pkg',
            '--pkgs-dir',
            pkgs.dir,
            '--username',
            'u',
            '--registry',
            '127.0.0.1:1',
          ],
          io,
        ),
      ).toBe(2);
      expect(err).toMatch(/registry 127\.0\.0\.1:1 is not usable before the build/);
      rmSync(cacheDir, { recursive: true, force: true });
    },
    5 * minutes,
  );
});
