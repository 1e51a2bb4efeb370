/**
 * build-installer through its bundled action, against a real registry and Docker engine: the talos
 * fixture checkout (make installer-base imager → make image-installer) and a ready imager image,
 * single and multi-platform, plus the failures a user meets.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expectFailedWith, expectSucceeded, repoRoot, runAction } from '../support/action';
import { ensureDocker } from '../support/docker';
import { makeSigningKey } from '../support/modules';
import { startRegistry, type TestRegistry } from '../support/registry';
import {
  makeFixtureImager,
  prepareTalosCheckout,
  pushExtensionImage,
  pushKernelImage,
  pushScriptImager,
  skopeoInspect,
  skopeoRaw,
  testKernelRelease,
} from './images';

jest.setTimeout(10 * 60_000);

let registry: TestRegistry;
let prefix: string;
const checkouts: string[] = [];
let multi: { installerBase: string; imager: string };

beforeAll(async () => {
  await ensureDocker();
  registry = await startRegistry();
  prefix = `${registry.host}/example-owner`;
  await pushKernelImage(`${prefix}/kernel:k1`, ['amd64', 'arm64']);
  await pushExtensionImage(`${prefix}/hailort:4.24.0`, 'hailort', ['amd64', 'arm64']);
  const checkout = prepareTalosCheckout();
  checkouts.push(checkout);
  multi = makeFixtureImager(checkout, {
    registry: registry.host,
    username: 'example-owner',
    tag: 'v1.11.0-multi',
    kernel: `${prefix}/kernel:k1`,
    platforms: ['linux/amd64', 'linux/arm64'],
  });
});

afterAll(async () => {
  for (const c of checkouts) rmSync(c, { recursive: true, force: true });
  await registry?.stop();
});

const digestOf = (pinned: string) => pinned.slice(pinned.indexOf('@') + 1);

describe('build-installer action', () => {
  it('builds installer-base and imager in a talos checkout and publishes a pinned installer that skopeo pulls back', async () => {
    const checkout = prepareTalosCheckout('v1.11.2');
    checkouts.push(checkout);
    const run = await runAction('build-installer', {
      // Relative to the workspace, as `actions/checkout` with `path:` leaves it.
      'talos-dir': relative(repoRoot, checkout),
      'kernel-image': `${prefix}/kernel:k1`,
      'extension-images': `${prefix}/hailort:4.24.0`,
      'extra-kernel-args': 'console=ttyS0\ntalos.dashboard.disabled=1',
      registry: registry.host,
      'installer-ref': `${prefix}/installer:v1.11.2`,
      // CI_ARGS reaches every docker build of the talos Makefile: the label proves make-args did
      'make-args': 'CI_ARGS=--label=org.example.make-args=passed',
    });
    expectSucceeded(run);
    expect(run.exitCode).toBe(0);
    const out = run.outputs;
    expect(out['installer-image']).toMatch(
      new RegExp(`^${prefix}/installer:v1\\.11\\.2@sha256:[0-9a-f]{64}$`),
    );
    // TAG defaulted to the checkout's git describe, USERNAME to the lower-cased owner.
    expect(out['installer-base-image']).toMatch(
      new RegExp(`^${prefix}/installer-base:v1\\.11\\.2@sha256:[0-9a-f]{64}$`),
    );
    expect(out['imager-image']).toMatch(new RegExp(`^${prefix}/imager:v1\\.11\\.2@sha256:`));
    const pulled = skopeoInspect(out['installer-image'] ?? '');
    expect(pulled.Digest).toBe(digestOf(out['installer-image'] ?? ''));
    expect(pulled.Architecture).toBe('amd64');
    expect(skopeoRaw(`${prefix}/installer-base:v1.11.2`).digest).toBe(
      digestOf(out['installer-base-image'] ?? ''),
    );
    expect(skopeoInspect(out['installer-base-image'] ?? '').Labels).toMatchObject({
      'org.example.make-args': 'passed',
    });
    expect(JSON.parse(out['installer-images'] ?? '{}')).toEqual({ amd64: out['installer-image'] });
    expect(out.tarball).toBe(`${checkout}/_out/installer-amd64.tar`);
    // The pushed image is the tarball: same config, base layers plus the boot-asset layer.
    const config = JSON.parse(
      execFileSync('skopeo', ['inspect', '--config', `docker-archive:${out.tarball}`], {
        encoding: 'utf8',
      }),
    ) as { rootfs: { diff_ids: string[] } };
    expect((pulled.Layers as string[]).length).toBe(config.rootfs.diff_ids.length);
    expect(run.stdout).toContain('usr/install/amd64/vmlinuz.efi');
    // verified before the push: the kernel's certificate proves the extension's module
    expect(run.summary).toContain('linux/amd64: ✅ verified before the push');
    expect(run.summary).toMatch(/\| hailort \| 4\.24\.0 \| `0\.sqsh` \| 1 \| ✅ 1 verified \|/);
    expect(run.summary.trimEnd().split('\n').slice(-2)[0]).toBe(
      `talosctl upgrade --nodes <node> --image ${out['installer-image']}`,
    );
  });

  it('runs a ready imager for amd64 and arm64 and publishes an index of both', async () => {
    const runnerTemp = mkdtempSync(join(tmpdir(), 'runner-temp-'));
    checkouts.push(runnerTemp);
    const run = await runAction(
      'build-installer',
      {
        'imager-image': multi.imager,
        'base-installer-image': multi.installerBase,
        // As the reusable workflow passes it: unused here, the imager carries its kernel.
        'kernel-image': `${prefix}/kernel:k1`,
        'extension-images': `${prefix}/hailort:4.24.0`,
        platforms: 'linux/amd64,linux/arm64',
        registry: registry.host,
        'installer-ref': `${prefix}/installer:multi`,
      },
      { env: { RUNNER_TEMP: runnerTemp } },
    );
    expectSucceeded(run);
    const out = run.outputs;
    const index = skopeoRaw(`${prefix}/installer:multi`);
    expect(digestOf(out['installer-image'] ?? '')).toBe(index.digest);
    const manifests = index.raw.manifests as {
      digest: string;
      platform: { architecture: string };
    }[];
    const images = JSON.parse(out['installer-images'] ?? '{}') as Record<string, string>;
    expect(Object.keys(images).sort()).toEqual(['amd64', 'arm64']);
    for (const arch of ['amd64', 'arm64']) {
      const entry = manifests.find((m) => m.platform.architecture === arch);
      expect(entry?.digest).toBe(digestOf(images[arch] ?? ''));
      const pulled = skopeoInspect(images[arch] ?? '');
      expect(pulled.Digest).toBe(entry?.digest);
      expect(pulled.Architecture).toBe(arch);
    }
    expect(out['imager-image']).toBe(multi.imager);
    expect(out['installer-base-image']).toBe(multi.installerBase);
    expect(run.stdout).toMatch(
      /::warning::input 'kernel-image' only checks the extensions' signatures with 'imager-image'/,
    );
    expect(run.summary).not.toContain('- kernel:');
    expect((out.tarball ?? '').split('\n')).toEqual([
      `${runnerTemp}/talos-installer/installer-amd64.tar`,
      `${runnerTemp}/talos-installer/installer-arm64.tar`,
    ]);
    for (const path of (out.tarball ?? '').split('\n')) expect(existsSync(path)).toBe(true);
  });

  it('pushes to a registry that needs the registry-username/registry-password credentials', async () => {
    // bcrypt of 'installer-test-password' (python3 crypt, METHOD_BLOWFISH, 32 rounds): a test-only
    // secret for a throw-away registry.
    const hash = '$2b$05$RnKpCf9rU9YGrKR/1ZzBherL.hguvJ2bHjHPtQuNnw.VVaNHdXZ62';
    const locked = await startRegistry({
      extra: (dir) => {
        writeFileSync(join(dir, 'htpasswd'), `robot:${hash}\n`);
        return { auth: { htpasswd: { realm: 'test', path: join(dir, 'htpasswd') } } };
      },
    });
    try {
      const dest = `${locked.host}/robot/installer:locked`;
      const denied = await runAction('build-installer', {
        'imager-image': multi.imager,
        'base-installer-image': multi.installerBase,
        registry: locked.host,
        'installer-ref': dest,
      });
      expect(denied.exitCode).not.toBe(0);
      expect(denied.failure).toMatch(/401|unauthori[sz]ed|denied|credentials/i);
      const run = await runAction('build-installer', {
        'imager-image': multi.imager,
        'base-installer-image': multi.installerBase,
        registry: locked.host,
        'installer-ref': dest,
        'registry-username': 'robot',
        'registry-password': 'installer-test-password',
      });
      expectSucceeded(run);
      const leaks = run.stdout.split('\n').filter((l) => l.includes('installer-test-password'));
      expect(leaks).toEqual(['::add-mask::installer-test-password']);
      const pinned = run.outputs['installer-image'] ?? '';
      expect(pinned).toMatch(new RegExp(`^${dest}@sha256:`));
      const pulled = skopeoInspect(pinned, ['--creds', 'robot:installer-test-password']);
      expect(pulled.Digest).toBe(digestOf(pinned));
    } finally {
      await locked.stop();
    }
  });

  it('refuses a ttl.sh lifetime over 24h before touching any registry', async () => {
    const run = await runAction('build-installer', {
      'imager-image': '127.0.0.1:1/nobody/imager:v1',
      'base-installer-image': '127.0.0.1:1/nobody/installer-base:v1',
      'installer-ref': 'ttl.sh/6f1d0c8e-0d8b-4a57-a7f5-0c1f9b1b3c11:2d',
    });
    expect(run.exitCode).not.toBe(0);
    expectFailedWith(run, /ttl\.sh keeps images at most 24 hours/);
    expect(run.failure).toContain("input 'installer-ref'");
    expect(run.stdout).not.toMatch(/127\.0\.0\.1:1/);
  });

  it('fails clearly when the imager writes something that is not an image', async () => {
    pushScriptImager(`${prefix}/junk-imager:1`, 'echo "not a tarball" > /out/installer-$arch.tar');
    const run = await runAction('build-installer', {
      'imager-image': `${prefix}/junk-imager:1`,
      'base-installer-image': multi.installerBase,
      registry: registry.host,
      'installer-ref': `${prefix}/installer:junk`,
    });
    expect(run.exitCode).not.toBe(0);
    expectFailedWith(run, /installer-amd64\.tar is not an image tarball/);
    expect(() => skopeoRaw(`${prefix}/installer:junk`)).toThrow();
  });

  it('fails clearly when the imager exits 0 without writing installer-<arch>.tar', async () => {
    pushScriptImager(`${prefix}/lazy-imager:1`, 'echo "nothing to do"');
    const run = await runAction('build-installer', {
      'imager-image': `${prefix}/lazy-imager:1`,
      'base-installer-image': multi.installerBase,
      registry: registry.host,
      'installer-ref': `${prefix}/installer:lazy`,
    });
    expect(run.exitCode).not.toBe(0);
    expectFailedWith(run, /the imager did not write .*installer-amd64\.tar for amd64/);
  });

  it('reports an imager failure with its exit code and last lines', async () => {
    await pushExtensionImage(`${prefix}/other-kernel-ext:1`, 'other', ['amd64'], {
      kernelRelease: '6.1.0-other',
    });
    const run = await runAction('build-installer', {
      'imager-image': multi.imager,
      'base-installer-image': multi.installerBase,
      'extension-images': `${prefix}/other-kernel-ext:1`,
      registry: registry.host,
      'installer-ref': `${prefix}/installer:broken`,
    });
    expect(run.exitCode).not.toBe(0);
    expectFailedWith(run, /failed for amd64 with exit code 7 \(installer assembly failed/);
    expect(run.stdout).toContain(
      `has modules for kernel 6.1.0-other, but the imager's kernel is ${testKernelRelease}`,
    );
  });

  it('verifies the installer before pushing it: a module signed by another build key is never published', async () => {
    const otherKey = await makeSigningKey({ name: 'build-installer-other-build' });
    const foreign = await pushExtensionImage(`${prefix}/foreign:1`, 'foreign', ['amd64'], {
      key: otherKey,
    });
    const inputs = {
      'imager-image': multi.imager,
      'base-installer-image': multi.installerBase,
      'kernel-image': `${prefix}/kernel:k1`,
      'extension-images': foreign,
      registry: registry.host,
      'installer-ref': `${prefix}/installer:foreign`,
    };
    const refused = await runAction('build-installer', inputs);
    expect(refused.exitCode).not.toBe(0);
    // refused before the imager runs: the extension is checked against the kernel first
    expectFailedWith(refused, /extension foreign \(.*\): 1 module\(s\) \(foreign\) signed by/);
    expect(refused.failure).toContain('Nothing was built or pushed');
    expect(() => skopeoRaw(`${prefix}/installer:foreign`)).toThrow();

    const warned = await runAction('build-installer', { ...inputs, 'verify-installer': 'warning' });
    expectSucceeded(warned);
    expect(warned.stdout).toMatch(/::warning::extension foreign .*Building anyway/);
    expect(warned.stdout).toMatch(/::warning::verify-image failed for docker-archive:/);
    expect(warned.summary).toContain('pushed with findings');
    expect(skopeoRaw(`${prefix}/installer:foreign`).digest).toBe(
      digestOf(warned.outputs['installer-image'] ?? ''),
    );
  });

  it('fails when the imager tag moves between make installer-base imager and image-installer', async () => {
    // Another job pushing the same TAG in between: simulated by rebuilding the imager (a label
    // changes its digest) at the start of image-installer. The edit leaves the checkout -dirty.
    const checkout = prepareTalosCheckout('v1.11.4');
    checkouts.push(checkout);
    const makefile = join(checkout, 'Makefile');
    writeFileSync(
      makefile,
      readFileSync(makefile, 'utf8').replace(
        'image-%: ## Builds the specified image (only image-installer in this fixture).\n',
        'image-%: ## Builds the specified image (only image-installer in this fixture).\n' +
          `\t@$(MAKE) registry-imager PUSH=true INSTALLER_ARCH=targetarch PKG_KERNEL=${prefix}/kernel:k1 CI_ARGS=--label=moved=1 >/dev/null\n`,
      ),
    );
    const run = await runAction('build-installer', {
      'talos-dir': checkout,
      'kernel-image': `${prefix}/kernel:k1`,
      registry: registry.host,
      'installer-ref': `${prefix}/installer:moved`,
    });
    expect(run.exitCode).not.toBe(0);
    expectFailedWith(
      run,
      /imager:v1\.11\.4-dirty changed while the installer was built .*give this build a unique input 'tag'/,
    );
    expect(() => skopeoRaw(`${prefix}/installer:moved`)).toThrow();
  });

  it('reports a missing _out/installer-<arch>.tar when make image-installer ignores a failed platform', async () => {
    // release-1.10..1.12 run the imager per platform without `|| exit 1`: only the last platform's
    // failure fails make. The extension has no arm64 image, so the arm64 run fails (exit 5).
    await pushExtensionImage(`${prefix}/amd64-only:1`, 'amd64only', ['amd64'], { index: true });
    const checkout = prepareTalosCheckout('v1.11.3');
    checkouts.push(checkout);
    const makefile = join(checkout, 'Makefile');
    writeFileSync(
      makefile,
      readFileSync(makefile, 'utf8').replace('$(IMAGER_ARGS) || exit 1 ;', '$(IMAGER_ARGS) ;'),
    );
    const run = await runAction('build-installer', {
      'talos-dir': checkout,
      'kernel-image': `${prefix}/kernel:k1`,
      'extension-images': `${prefix}/amd64-only:1`,
      registry: registry.host,
      platforms: 'linux/arm64,linux/amd64',
      'installer-ref': `${prefix}/installer:partial`,
    });
    expect(run.exitCode).not.toBe(0);
    expectFailedWith(run, /the imager did not write .*_out\/installer-arm64\.tar for arm64/);
    expect(run.stdout).toContain('the index has no linux/arm64 image');
    expect(() => skopeoRaw(`${prefix}/installer:partial`)).toThrow();
  });
});
