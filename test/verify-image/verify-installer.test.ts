/**
 * verify-image on real installers (the talos fixture's imager: a UKI on the systemd stub, a zstd
 * initramfs with squashfs extensions and depmod's modules.dep), through the CLI and the bundled
 * action. The kernel is a real bzImage embedding the signing certificate; modules are built with
 * kbuild and signed with sign-file. Every failing installer differs from the good one in one way
 * and fails exactly the check for it.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readFileSync, rmSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCliCaptured } from '../support/cli';
import { ensureDocker } from '../support/docker';
import { startRegistry, type TestRegistry } from '../support/registry';
import { expectSucceeded, runAction } from '../support/action';
import {
  buildTestModule,
  kernelRelease,
  makeSigningKey,
  signModule,
  type TestKey,
} from '../support/modules';
import {
  extensionFiles,
  newDir,
  pushLayout,
  withVermagicRelease,
  writeOciLayout,
  type TestFile,
} from '../support/images';
import { makeBzImage } from '../support/kernel-images';
import {
  compressionOf,
  editExtensionsArchive,
  initramfsArchives,
  peSection,
  replaceUkiInitrd,
  rewriteInstaller,
  zstdCompress,
} from '../support/installers';
import {
  makeFixtureImager,
  makeFixtureInstaller,
  prepareTalosCheckout,
} from '../build-installer/images';
import type { VerifyReport } from '@talos-kmod/verify';

jest.setTimeout(15 * 60_000);

let registry: TestRegistry;
let checkout: string;
let imager: { installerBase: string; imager: string };
const tag = 'v1.12.1';
let kernel: string;
let otherKernel: string;
let hailort: string;
let foreign: string;
let stale: string;
let good: string;

async function push(repo: string, files: TestFile[]): Promise<string> {
  const dir = await writeOciLayout(newDir('verify-installer'), [{ layers: [files] }], 'test');
  return pushLayout(dir, registry.host, repo, 'test');
}

function kernelFiles(key: TestKey, intree: string): TestFile[] {
  return [
    {
      path: 'boot/vmlinuz',
      content: Buffer.from(
        makeBzImage({ release: kernelRelease, certificates: [readFileSync(key.certDerPath)] }),
      ),
    },
    {
      path: `usr/lib/modules/${kernelRelease}/kernel/drivers/a/intree_a.ko`,
      content: { from: intree },
    },
    {
      path: `usr/lib/modules/${kernelRelease}/modules.dep`,
      content: 'kernel/drivers/a/intree_a.ko:\n',
    },
  ];
}

const extension = (name: string, module: string) =>
  extensionFiles(
    { name, version: '4.24.0', talos: '>= v1.9.0' },
    {
      kernelRelease,
      modules: [{ file: module, at: 'extras/hailo_pci.ko' }],
      rules: { '51-hailo-udev.rules': 'SUBSYSTEM=="hailo_chardev", MODE="0666"\n' },
      firmware: { 'hailo/hailo8_fw.bin': 'firmware bytes' },
    },
  );

function installer(args: string[]): string {
  return makeFixtureInstaller(checkout, {
    registry: registry.host,
    username: 'acme',
    tag,
    imagerArgs: args,
  }).tarball;
}

async function verify(
  tarball: string,
  extra: string[] = [],
): Promise<{ code: number; report: VerifyReport; stderr: string }> {
  const run = await runCliCaptured([
    'verify',
    `docker-archive:${tarball}`,
    '--kernel-image',
    kernel,
    '--json',
    ...extra,
  ]);
  return { code: run.code, report: JSON.parse(run.stdout) as VerifyReport, stderr: run.stderr };
}

const failing = (r: VerifyReport) =>
  [...new Set(r.checks.filter((c) => c.status === 'fail').map((c) => c.id))].sort();

beforeAll(async () => {
  await ensureDocker();
  registry = await startRegistry();
  const [hailo, intree] = await Promise.all([
    buildTestModule({ name: 'hailo_pci', firmware: ['hailo/hailo8_fw.bin'] }),
    buildTestModule({ name: 'intree_a' }),
  ]);
  const [key, otherKey] = await Promise.all([
    makeSigningKey({ name: 'installer-kernel' }),
    makeSigningKey({ name: 'installer-other-build' }),
  ]);
  const otherRelease = kernelRelease.replace(/(\d)$/, (d) => String((Number(d) + 1) % 10));
  const [signed, signedOther, signedStale, intreeSigned, intreeOther] = await Promise.all([
    signModule(hailo, key),
    signModule(hailo, otherKey),
    withVermagicRelease(hailo, otherRelease).then((m) => signModule(m, key)),
    signModule(intree, key),
    signModule(intree, otherKey),
  ]);
  kernel = await push('acme/kernel', kernelFiles(key, intreeSigned));
  otherKernel = await push('acme/kernel-other', kernelFiles(otherKey, intreeOther));
  hailort = await push('acme/hailort', extension('hailort', signed));
  foreign = await push('acme/hailort-foreign', extension('hailort', signedOther));
  stale = await push('acme/hailort-stale', extension('hailort', signedStale));
  checkout = prepareTalosCheckout(tag);
  imager = makeFixtureImager(checkout, {
    registry: registry.host,
    username: 'acme',
    tag,
    kernel,
    platforms: ['linux/amd64'],
  });
  good = installer([`--system-extension-image ${hailort}`]);
});

afterAll(async () => {
  rmSync(checkout, { recursive: true, force: true });
  await registry?.stop();
});

describe('talos-kmod verify on a real installer', () => {
  it('proves every module of every extension against the kernel the UKI boots', async () => {
    const { code, report } = await verify(good, ['--extension', hailort, '--module', 'hailo_pci']);
    expect(failing(report)).toEqual([]);
    expect(code).toBe(0);
    const [inst] = report.installers ?? [];
    expect(inst).toEqual(
      expect.objectContaining({
        arch: 'amd64',
        layout: 'uki',
        talosVersion: tag,
        extensions: [
          {
            name: 'hailort',
            version: '4.24.0',
            image: '0.sqsh',
            moduleCount: 1,
            verdicts: { verified: 1 },
          },
        ],
      }),
    );
    expect(inst?.kernel).toEqual(
      expect.objectContaining({
        release: kernelRelease,
        sigEnforce: '1',
        signaturesEnforced: true,
      }),
    );
    expect(inst?.kernel.certificates).toHaveLength(1);
    const ids = report.checks.filter((c) => c.status === 'pass').map((c) => c.id);
    for (const id of [
      'installer.base',
      'installer.uki',
      'installer.kernel-certificate',
      'installer.cmdline',
      'installer.kernel-image',
      'installer.extensions',
      'installer.extensions-expected',
      'installer.module-signature',
      'installer.module-release',
      'installer.modules-dep',
      'modules.required',
    ])
      expect(ids).toContain(id);
    expect(report.modules).toEqual([
      expect.objectContaining({ name: 'hailo_pci', verdict: 'verified', extension: 'hailort' }),
    ]);
  });

  it('fails a module signed by another build key', async () => {
    const { code, report } = await verify(installer([`--system-extension-image ${foreign}`]));
    expect(code).toBe(1);
    expect(failing(report)).toEqual(['installer.module-signature']);
    expect(report.checks.find((c) => c.status === 'fail')?.message).toContain('unknown-key');
  });

  it('fails an extension whose module is for another kernel release', async () => {
    const { report } = await verify(installer([`--system-extension-image ${stale}`]));
    expect(failing(report)).toEqual(['installer.module-release']);
  });

  it('fails an installer that lacks an expected extension, by name or image', async () => {
    const { code, report } = await verify(good, ['--extension', 'hailort', '--extension', foreign]);
    // foreign's manifest also says hailort: present
    expect(failing(report)).toEqual([]);
    const missing = await verify(good, ['--extension', 'nvidia-open-gpu-kernel-modules']);
    expect(code).toBe(0);
    expect(missing.code).toBe(1);
    expect(failing(missing.report)).toEqual(['installer.extensions-expected']);
    expect(missing.report.checks.find((c) => c.status === 'fail')?.message).toContain(
      'nvidia-open-gpu-kernel-modules',
    );
  });

  it('fails when the installer kernel is not the kernel-image input', async () => {
    const run = await runCliCaptured([
      'verify',
      `docker-archive:${good}`,
      '--kernel-image',
      otherKernel,
      '--json',
    ]);
    const report = JSON.parse(run.stdout) as VerifyReport;
    expect(failing(report)).toEqual(['installer.kernel-image']);
  });

  it('warns when module.sig_enforce=0 turns enforcement off on Talos 1.12', async () => {
    const off = installer([
      `--system-extension-image ${hailort}`,
      '--extra-kernel-arg -module.sig_enforce',
      '--extra-kernel-arg module.sig_enforce=0',
    ]);
    const { code, report } = await verify(off);
    expect(code).toBe(0);
    expect(failing(report)).toEqual(['installer.cmdline']);
    const check = report.checks.find((c) => c.id === 'installer.cmdline');
    expect(check?.severity).toBe('warning');
    expect(check?.message).toContain('Talos 1.12 and later');
    expect((await verify(off, ['--fail-on', 'warning'])).code).toBe(1);
  });

  it('names the imager passed as the base installer (talos #11426)', async () => {
    const tarball = makeFixtureInstaller(checkout, {
      registry: registry.host,
      username: 'acme',
      tag,
      imagerArgs: [
        `--base-installer-image ${imager.imager}`,
        `--system-extension-image ${hailort}`,
      ],
    }).tarball;
    const { report } = await verify(tarball);
    expect(failing(report)).toEqual(['installer.base']);
    expect(report.checks.find((c) => c.id === 'installer.base')?.message).toContain('#11426');
  });

  it('reports a truncated UKI, a corrupt squashfs and a truncated cpio segment without crashing', async () => {
    const truncatedUki = rewriteInstaller(good, (dir) => {
      const uki = join(dir, 'usr/install/amd64/vmlinuz.efi');
      truncateSync(uki, Math.floor(statSync(uki).size / 2));
    });
    expect(failing((await verify(truncatedUki)).report)).toContain('installer.uki');

    const corruptSquashfs = rewriteInstaller(good, (dir) =>
      editExtensionsArchive(dir, (archive) => {
        const sqsh = join(archive, '0.sqsh');
        const bytes = readFileSync(sqsh);
        bytes.fill(0x5a, 96, bytes.length - 64);
        writeFileSync(sqsh, bytes);
      }),
    );
    expect(failing((await verify(corruptSquashfs)).report)).toEqual(['installer.squashfs']);

    const truncatedCpio = rewriteInstaller(good, (dir) => {
      const uki = join(dir, 'usr/install/amd64/vmlinuz.efi');
      const archives = initramfsArchives(peSection(uki, '.initrd'));
      const [first, second] = archives.map(zstdCompress);
      if (!first || !second) throw new Error('expected two initramfs segments');
      expect(compressionOf(second)).toBe('zstd');
      replaceUkiInitrd(uki, Buffer.concat([first, second.subarray(0, second.length >> 1)]));
    });
    expect(failing((await verify(truncatedCpio)).report)).toContain('installer.initramfs');
  });
});

describe('verify-image action on an installer', () => {
  it('writes the kernel and each extension to the job summary', async () => {
    const run = await runAction('verify-image', {
      image: `docker-archive:${good}`,
      'kernel-image': kernel,
      extensions: 'hailort',
    });
    expectSucceeded(run);
    expect(run.outputs.passed).toBe('true');
    expect(run.summary).toContain('### Installer');
    expect(run.summary).toMatch(/\| hailort \| 4\.24\.0 \| `0\.sqsh` \| 1 \| ✅ 1 verified \|/);
    expect(run.summary).toContain('module.sig_enforce=1 (enforced)');
  });
});
