/**
 * `talos-kmod verify` through the CLI program: the same images and expectations as the action
 * test, text and JSON output, every image form (registry, docker-archive, oci-archive, oci layout,
 * plain directory), and exit codes 0 / 1 / 2.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '@talos-kmod/cli';
import type { VerifyReport } from '@talos-kmod/pipeline';
import {
  bzImageHeader,
  newDir,
  ukiLike,
  writeDirectory,
  writeDockerArchive,
  writeOciArchive,
  writeOciLayout,
  type TestFile,
} from '../support/images';
import { kernelRelease } from '../support/modules';
import { startRegistry, type TestRegistry } from '../support/registry';
import {
  buildFixtures,
  caseNames,
  type CaseInputs,
  type Fixtures,
  type VerifyCase,
} from './fixtures';

let registry: TestRegistry;
let fixtures: Fixtures;

beforeAll(async () => {
  registry = await startRegistry();
  fixtures = await buildFixtures(registry.host);
}, 600_000);

afterAll(async () => {
  await registry?.stop();
});

async function cli(
  args: string[],
  tty = false,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = Object.assign(new PassThrough(), { isTTY: tty });
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  const code = await runCli(args, { stdout, stderr, env: {}, cwd: process.cwd() });
  return { code, stdout: out, stderr: err };
}

function flags(i: CaseInputs): string[] {
  return [
    ...(i.kernelImage ? ['--kernel-image', i.kernelImage] : []),
    ...(i.kernelCert ? ['--kernel-cert', i.kernelCert] : []),
    ...(i.kernelRelease ? ['--kernel-release', i.kernelRelease] : []),
    ...(i.modules ?? []).flatMap((m) => ['--module', m]),
    ...(i.extensionName ? ['--extension-name', i.extensionName] : []),
    ...(i.talosVersion ? ['--talos-version', i.talosVersion] : []),
    ...(i.platform ? ['--platform', i.platform] : []),
    ...(i.failOn ? ['--fail-on', i.failOn] : []),
  ];
}

function failingIds(report: VerifyReport): string[] {
  return [
    ...new Set(
      report.checks.filter((c) => c.status === 'fail' && c.severity !== 'info').map((c) => c.id),
    ),
  ].sort();
}

const byName = (name: string): VerifyCase => {
  const c = fixtures.cases.find((x) => x.name === name);
  if (!c) throw new Error(`no fixture case ${name}`);
  return c;
};

describe('talos-kmod verify', () => {
  it.each([...caseNames])(
    '%s: --json report and exit code name exactly its reason',
    async (name) => {
      const c = byName(name);
      const { code, stdout } = await cli(['verify', c.image, ...flags(c.inputs), '--json']);
      const report = JSON.parse(stdout) as VerifyReport;
      const passes = c.passes ?? c.failing.length === 0;
      expect(failingIds(report)).toEqual(c.failing);
      expect(report.passed).toBe(passes);
      expect(code).toBe(passes ? 0 : 1);
      if (c.proof) expect(report.platforms.map((p) => p.proof)).toEqual([c.proof]);
      if (c.messageContains) {
        const messages = report.checks.filter((x) => x.status === 'fail').map((x) => x.message);
        expect(messages.join('\n')).toContain(c.messageContains);
      }
      if (c.inputs.kernelCert?.includes('revoking')) {
        const kernel = report.checks.find((x) => x.id === 'signature.kernel-certificate');
        expect(kernel?.message).toMatch(
          / trusts "Build time throw-away kernel key" .* and revokes "/,
        );
        // the report lists what the kernel revokes apart from what it trusts
        const [platform] = report.platforms;
        expect(platform?.revokedCertificates).toHaveLength(1);
        const trusted = new Set(platform?.certificates?.map((x) => x.sha256Fingerprint));
        expect(trusted.has(platform?.revokedCertificates?.[0]?.sha256Fingerprint ?? '')).toBe(
          false,
        );
      }
      if (c.platform) {
        const failing = report.checks.filter(
          (x) => x.status === 'fail' && c.failing.includes(x.id),
        );
        expect(failing.every((x) => x.platform === c.platform)).toBe(true);
      }
    },
    120_000,
  );

  it('prints readable text naming the failing check and what to do, without colour off a TTY', async () => {
    const c = byName('module signed by another build key');
    const { code, stdout } = await cli(['verify', c.image, ...flags(c.inputs)]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^FAILED /);
    expect(stdout).toContain('✗ signature.certificate');
    expect(stdout).toContain('signer name is the same but the key is not');
    expect(stdout).toContain('make kernel <pkg>');
    expect(stdout).not.toContain('\u001b[');
  }, 120_000);

  it('with --kernel-cert prints the certificate, the proof and each verdict, and names what changed', async () => {
    const c = byName('kernel-cert: module with one byte changed after signing');
    const { code, stdout } = await cli(['verify', c.image, ...flags(c.inputs)]);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /kernel certificate: O = Sidero Labs\\, Inc\., CN = Build time throw-away kernel key, serial [0-9A-F:]+, rsa 2048, SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2} \(/,
    );
    expect(stdout).toContain('signatures proven by certificate');
    expect(stdout).toContain('✗ signature.certificate');
    expect(stdout).toContain('is bad-signature: the sha512 signature by');
    expect(stdout).toContain('changed after signing');
    expect(stdout).toMatch(/hailo_pci .* bad-signature/);
  }, 120_000);

  it('exits 2 when --kernel-cert is neither a certificate nor readable', async () => {
    const c = byName('good extension');
    const notCert = join(newDir('not-a-cert'), 'cert.pem');
    writeFileSync(notCert, 'hello\n');
    const bad = await cli(['verify', c.image, '--kernel-cert', notCert]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${notCert} is neither a PEM/DER certificate nor a kernel image`);
    const missing = await cli(['verify', c.image, '--kernel-cert', '/nonexistent/cert.pem']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read /nonexistent/cert.pem: ENOENT');
  }, 120_000);

  it('takes the kernel file itself as --kernel-cert: the bzImage certificate proves the module', async () => {
    const dir = newDir('kernel-file');
    const file = join(dir, 'vmlinuz');
    writeFileSync(file, fixtures.vmlinuz);
    const good = byName('good extension');
    const ok = await cli(['verify', good.image, '--kernel-cert', file, '--json']);
    const report = JSON.parse(ok.stdout) as VerifyReport;
    expect(ok.code).toBe(0);
    expect(report.platforms[0]?.proof).toBe('certificate');
    expect(report.platforms[0]?.certificates?.[0]?.source).toBe(file);
    expect(report.modules.map((m) => m.verdict)).toEqual(['verified']);
    const other = byName('module signed by another build key');
    const bad = await cli(['verify', other.image, '--kernel-cert', file, '--json']);
    expect(bad.code).toBe(1);
    expect(failingIds(JSON.parse(bad.stdout) as VerifyReport)).toEqual(['signature.certificate']);
  }, 120_000);

  it('colours the text on a TTY', async () => {
    const c = byName('good extension');
    const { code, stdout } = await cli(['verify', c.image, ...flags(c.inputs)], true);
    expect(code).toBe(0);
    expect(stdout).toContain('\u001b[32m');
    expect(stdout).toContain('PASSED');
  }, 120_000);

  it('reads the same extension from a registry, docker-archive, oci-archive, oci layout and a directory', async () => {
    const image = { layers: [fixtures.goodExtensionFiles] };
    const specs = [
      byName('good extension').image,
      `docker-archive:${await writeDockerArchive(join(newDir('da'), 'ext.tar'), image)}`,
      `oci-archive:${await writeOciArchive(join(newDir('oa'), 'ext.tar'), [image])}`,
      `oci:${fixtures.goodExtensionDir}`,
      await writeDirectory(newDir('plain'), fixtures.goodExtensionFiles),
    ];
    const reportPath = join(newDir('cli-report'), 'r.json');
    for (const spec of specs) {
      const { code, stdout, stderr } = await cli([
        'verify',
        spec,
        '--kernel-image',
        fixtures.kernelImage,
        '--module',
        'hailo_pci',
        '--json',
        '--report-path',
        reportPath,
      ]);
      expect({ spec, code, stderr: code === 0 ? '' : stderr }).toEqual({
        spec,
        code: 0,
        stderr: '',
      });
      const report = JSON.parse(stdout) as VerifyReport;
      expect(JSON.parse(readFileSync(reportPath, 'utf8'))).toEqual(report);
      expect(report.modules.map((m) => [m.name, m.path, m.signed, m.key])).toEqual([
        [
          'hailo_pci',
          `rootfs/usr/lib/modules/${kernelRelease}/kernel/drivers/misc/hailo_pci.ko`,
          true,
          fixtures.key.serial,
        ],
      ]);
      expect(report.platforms.map((p) => p.kind)).toEqual(['extension']);
    }
  }, 240_000);

  it('verifies the kernel image itself: its in-tree modules against its own vmlinuz certificate', async () => {
    const { code, stdout } = await cli(['verify', fixtures.kernelImage, '--json']);
    const report = JSON.parse(stdout) as VerifyReport;
    expect(code).toBe(0);
    expect(report.platforms).toEqual([
      expect.objectContaining({
        kind: 'kernel',
        kernelRelease,
        moduleCount: 2,
        proof: 'certificate',
      }),
    ]);
    expect(report.checks.find((c) => c.id === 'signature.certificate')?.status).toBe('pass');
    expect(report.modules.map((m) => m.verdict)).toEqual(['verified', 'verified']);
  }, 120_000);

  it('checks against --kernel-release when there is no kernel image', async () => {
    const c = byName('good extension');
    const ok = await cli(['verify', c.image, '--kernel-release', kernelRelease, '--json']);
    expect(ok.code).toBe(0);
    const bad = await cli(['verify', c.image, '--kernel-release', '6.12.31-talos', '--json']);
    expect(bad.code).toBe(1);
    expect(failingIds(JSON.parse(bad.stdout) as VerifyReport)).toEqual([
      'kernel-release.kernel',
      'kernel-release.vermagic',
    ]);
  }, 120_000);

  it('exits 2 for an image that cannot be read and for bad flags', async () => {
    const missing = await cli(['verify', `${registry.host}/acme/does-not-exist:nope`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('error:');
    const badPlatform = await cli([
      'verify',
      byName('good extension').image,
      '--platform',
      'linux/s390x',
    ]);
    expect(badPlatform.code).toBe(2);
    expect(badPlatform.stderr).toContain('not linux/s390x');
    const badVersion = await cli([
      'verify',
      byName('good extension').image,
      '--talos-version',
      'latest',
    ]);
    expect(badVersion.code).toBe(2);
    expect(badVersion.stderr).toContain("--talos-version is 'latest'");
    const badFailOn = await cli(['verify', byName('good extension').image, '--fail-on', 'never']);
    expect(badFailOn.code).toBe(2);
    expect(badFailOn.stderr).toContain("--fail-on is 'never': use one of error, warning");
    const empty = await writeOciLayout(newDir('empty-index'), [], 'test');
    const noImages = await cli(['verify', `oci:${empty}`]);
    expect(noImages.code).toBe(2);
    expect(noImages.stderr).toContain('without platform images');
  }, 120_000);
});

describe('talos-kmod verify on an installer', () => {
  const installer = async (files: TestFile[]) =>
    `docker-archive:${await writeDockerArchive(join(newDir('installer'), 'installer-amd64.tar'), {
      layers: [[{ path: 'usr/bin/installer', content: '#!/bin/sh\n', mode: 0o755 }], files],
    })}`;

  it('reports the UKI and its kernel release, and fails a UKI whose .linux holds no certificate', async () => {
    const spec = await installer([
      {
        path: 'usr/install/amd64/vmlinuz.efi',
        content: ukiLike({ '.uname': kernelRelease, '.linux': bzImageHeader(kernelRelease) }),
      },
      { path: 'usr/install/amd64/systemd-boot.efi', content: Buffer.alloc(1024, 2) },
    ]);
    const { code, stdout } = await cli([
      'verify',
      spec,
      '--kernel-image',
      fixtures.kernelImage,
      '--module',
      'hailo_pci',
      '--json',
    ]);
    const report = JSON.parse(stdout) as VerifyReport;
    // The UKI-shaped file carries a bare bzImage header: no kernel, so no certificate to prove with.
    expect(code).toBe(1);
    expect(report.platforms).toEqual([
      expect.objectContaining({ kind: 'installer', moduleCount: 0, passed: false }),
    ]);
    const byId = (id: string) => report.checks.find((c) => c.id === id);
    expect(byId('installer.assets')?.message).toContain('amd64: UKI usr/install/amd64/vmlinuz.efi');
    expect(byId('installer.kernel-release')).toEqual(
      expect.objectContaining({ status: 'pass', severity: 'error' }),
    );
    expect(failingIds(report)).toContain('installer.kernel-certificate');
    // Installers are opened now: a required module no extension carries is an error.
    expect(byId('modules.required')).toEqual(
      expect.objectContaining({ status: 'fail', severity: 'error' }),
    );
    expect(byId('modules.required')?.message).toContain('lack hailo_pci');
  }, 120_000);

  it('fails an installer whose kernel is not the kernel image (kernel + initramfs layout)', async () => {
    const spec = await installer([
      { path: 'usr/install/amd64/vmlinuz', content: bzImageHeader('6.12.31-talos') },
      { path: 'usr/install/amd64/initramfs.xz', content: Buffer.alloc(512, 3) },
    ]);
    const { code, stdout } = await cli([
      'verify',
      spec,
      '--kernel-image',
      fixtures.kernelImage,
      '--json',
    ]);
    const report = JSON.parse(stdout) as VerifyReport;
    expect(code).toBe(1);
    // The junk initramfs and the header-only kernel fail their own checks too; the release is named.
    expect(failingIds(report)).toContain('installer.kernel-release');
    const failure = report.checks.find((c) => c.id === 'installer.kernel-release');
    expect(failure?.path).toBe('usr/install/amd64/vmlinuz');
    expect(failure?.message).toContain(
      `boots kernel 6.12.31-talos, but the kernel image is ${kernelRelease}`,
    );
  }, 120_000);
});

describe('talos-kmod verify on layers with hard links', () => {
  it('counts a hard-linked module as the module it links to', async () => {
    const files = fixtures.goodExtensionFiles;
    const module = files.find((f) => f.path.endsWith('hailo_pci.ko'));
    if (!module) throw new Error('no module in the good extension');
    const linked = module.path.replace('hailo_pci.ko', 'hailo_pci_alias.ko');
    const dir = await writeOciLayout(newDir('hardlink'), [
      { layers: [[...files, { path: linked, type: 'hardlink', linkTarget: module.path }]] },
    ]);
    const { code, stdout } = await cli([
      'verify',
      `oci:${dir}`,
      '--kernel-image',
      fixtures.kernelImage,
      '--json',
    ]);
    const report = JSON.parse(stdout) as VerifyReport;
    expect(code).toBe(0);
    expect(report.modules.map((m) => [m.path, m.name, m.signed])).toEqual([
      [module.path, 'hailo_pci', true],
      [linked, 'hailo_pci', true],
    ]);
  }, 120_000);
});
