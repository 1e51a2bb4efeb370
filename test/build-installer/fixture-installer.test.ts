/**
 * The talos fixture's imager writes real installers: checked here with the real tools only
 * (objdump/objcopy for the UKI, zstd/xz and GNU cpio for the initramfs, unsquashfs for the
 * extension images, modinfo for the modules), for the Talos 1.10+ UKI layout and the pre-1.10 kernel +
 * initramfs layout. make runs as a user would (installer-base imager, then image-installer).
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ensureDocker } from '../support/docker';
import { startRegistry, type TestRegistry } from '../support/registry';
import {
  buildTestModule,
  kernelRelease,
  makeSigningKey,
  modinfoField,
  signModule,
} from '../support/modules';
import {
  extensionFiles,
  kernelImageFiles,
  newDir,
  pushLayout,
  writeOciLayout,
  type TestImage,
} from '../support/images';
import {
  compressionOf,
  cpioExtract,
  cpioList,
  initramfsArchives,
  peSection,
  peSectionNames,
  scratchFile,
  squashfsCat,
  squashfsCompression,
  squashfsFiles,
  unpackInstaller,
} from '../support/installers';
import { makeFixtureImager, makeFixtureInstaller, prepareTalosCheckout } from './images';

jest.setTimeout(10 * 60_000);

let registry: TestRegistry;
const checkouts: string[] = [];
let kernel: string;
let hailort: string;
let legacy: string;
let signedHailo: string;
let vmlinuz: Buffer;

async function push(repo: string, image: TestImage, tag = 'test'): Promise<string> {
  return pushLayout(
    await writeOciLayout(newDir('fixture-installer'), [image], tag),
    registry.host,
    repo,
    tag,
  );
}

beforeAll(async () => {
  await ensureDocker();
  registry = await startRegistry();
  const [hailo, intree] = await Promise.all([
    buildTestModule({ name: 'hailo_pci', firmware: ['hailo/hailo8_fw.bin'] }),
    buildTestModule({ name: 'intree_a' }),
  ]);
  const key = await makeSigningKey({ name: 'fixture-installer' });
  const [signedIntree, signed] = await Promise.all([
    signModule(intree, key),
    signModule(hailo, key),
  ]);
  signedHailo = signed;
  const kernelFiles = kernelImageFiles({
    kernelRelease,
    modules: [{ file: signedIntree, at: 'kernel/drivers/a/intree_a.ko' }],
  });
  vmlinuz = Buffer.from('placeholder bzImage for tests\n');
  kernel = await push('kernel', { layers: [kernelFiles] });
  hailort = await push('hailort', {
    layers: [
      extensionFiles(
        { name: 'hailort', version: '4.24.0', talos: '>= v1.9.0' },
        {
          kernelRelease,
          modules: [{ file: signed, at: 'extras/hailo_pci.ko' }],
          rules: { '51-hailo-udev.rules': 'SUBSYSTEM=="hailo_chardev", MODE="0666"\n' },
          firmware: { 'hailo/hailo8_fw.bin': 'firmware bytes' },
        },
      ),
    ],
  });
  legacy = await push('legacy', {
    layers: [
      extensionFiles(
        { name: 'legacy', version: '1.0.0' },
        {
          kernelRelease,
          modulesRoot: 'lib/modules',
          modules: [{ file: signed, at: 'extras/hailo_pci.ko' }],
        },
      ),
    ],
  });
});

afterAll(async () => {
  for (const c of checkouts) rmSync(c, { recursive: true, force: true });
  await registry?.stop();
});

/** make installer-base imager, then make image-installer with `imagerArgs`; the unpacked tarball. */
const imagers = new Map<string, string>();
function buildInstaller(tag: string, imagerArgs: string[]) {
  let checkout = imagers.get(tag);
  if (!checkout) {
    checkout = prepareTalosCheckout(tag);
    checkouts.push(checkout);
    makeFixtureImager(checkout, {
      registry: registry.host,
      username: 'acme',
      tag,
      kernel,
      platforms: ['linux/amd64'],
    });
    imagers.set(tag, checkout);
  }
  const made = makeFixtureInstaller(checkout, {
    registry: registry.host,
    username: 'acme',
    tag,
    imagerArgs,
  });
  return { installer: unpackInstaller(made.tarball), log: made.log };
}

/** The appended extensions archive of an initramfs, unpacked with cpio. */
function extensionsArchive(initramfs: Buffer): { names: string[]; dir: string } {
  const archives = initramfsArchives(initramfs);
  expect(archives).toHaveLength(2);
  expect(cpioList(archives[0] ?? Buffer.alloc(0))).toEqual(['init', 'rootfs.sqsh']);
  const last = archives[1] ?? Buffer.alloc(0);
  return { names: cpioList(last), dir: cpioExtract(last) };
}

describe('the talos fixture imager', () => {
  it('writes a Talos 1.10+ installer: a UKI on the systemd stub whose initramfs holds the extensions as squashfs images', async () => {
    const { installer } = buildInstaller('v1.12.1', [
      `--system-extension-image ${hailort}`,
      '--extra-kernel-arg console=ttyS0',
    ]);
    const artifacts = installer.layers.at(-1) ?? '';
    const uki = join(artifacts, 'usr/install/amd64/vmlinuz.efi');
    expect(existsSync(join(artifacts, 'usr/install/amd64/systemd-boot.efi'))).toBe(true);
    expect(existsSync(join(artifacts, 'usr/install/amd64/vmlinuz'))).toBe(false);
    // objdump reads it as a PE file: the stub's sections, then the UKI's in objcopy.go's order
    const names = peSectionNames(uki);
    expect(names.slice(-5)).toEqual(['.osrel', '.cmdline', '.uname', '.linux', '.initrd']);
    expect(names).toContain('.sbat');
    expect(peSection(uki, '.uname').toString()).toBe(kernelRelease);
    expect(peSection(uki, '.linux')).toEqual(vmlinuz);
    expect(peSection(uki, '.osrel').toString()).toContain('VERSION_ID=v1.12.1');
    const cmdline = peSection(uki, '.cmdline').toString().split(' ');
    expect(cmdline).toEqual(
      expect.arrayContaining(['talos.platform=metal', 'module.sig_enforce=1']),
    );
    expect(cmdline.at(-1)).toBe('console=ttyS0');

    const initrd = peSection(uki, '.initrd');
    expect(compressionOf(initrd)).toBe('zstd');
    const { names: files, dir } = extensionsArchive(initrd);
    expect(files).toEqual([
      '0.sqsh',
      'extensions.yaml',
      'modules.dep.sqsh',
      'usr',
      'usr/lib',
      'usr/lib/firmware',
      'usr/lib/firmware/hailo',
      'usr/lib/firmware/hailo/hailo8_fw.bin',
    ]);
    expect(parse(readFileSync(join(dir, 'extensions.yaml'), 'utf8'))).toEqual({
      layers: [
        {
          image: '0.sqsh',
          metadata: {
            name: 'hailort',
            version: '4.24.0',
            author: 'talos-kmod tests',
            description: 'Test extension\n',
            compatibility: { talos: { version: '>= v1.9.0' } },
          },
        },
        {
          image: 'modules.dep.sqsh',
          metadata: {
            name: 'modules.dep',
            version: kernelRelease,
            author: 'Talos Machinery',
            description: 'Combined modules.dep for all extensions',
          },
        },
      ],
    });
    const ext = join(dir, '0.sqsh');
    expect(squashfsCompression(ext)).toBe('zstd');
    expect(squashfsFiles(ext)).toEqual([
      `usr/lib/modules/${kernelRelease}/extras/hailo_pci.ko`,
      'usr/lib/udev/rules.d/51-hailo-udev.rules',
    ]);
    const module = squashfsCat(ext, `usr/lib/modules/${kernelRelease}/extras/hailo_pci.ko`);
    expect(module).toEqual(readFileSync(signedHailo));
    expect(await modinfoField(scratchFile('hailo_pci.ko', module), 'signer')).toEqual([
      'Build time throw-away kernel key',
    ]);
    // depmod ran over the kernel's modules and the extension's
    const dep = squashfsCat(
      join(dir, 'modules.dep.sqsh'),
      `usr/lib/modules/${kernelRelease}/modules.dep`,
    ).toString();
    expect(dep.split('\n').sort()).toEqual(
      ['', 'extras/hailo_pci.ko:', 'kernel/drivers/a/intree_a.ko:'].sort(),
    );
  });

  it('writes a Talos 1.7 installer: vmlinuz and an xz initramfs.xz with extensions under /lib/modules', async () => {
    // before 1.10: no UKI, /lib/modules; before 1.8: xz instead of zstd
    const { installer } = buildInstaller('v1.7.6', [`--system-extension-image ${legacy}`]);
    const assets = join(installer.layers.at(-1) ?? '', 'usr/install/amd64');
    expect(existsSync(join(assets, 'vmlinuz.efi'))).toBe(false);
    expect(readFileSync(join(assets, 'vmlinuz'))).toEqual(vmlinuz);
    const initramfs = readFileSync(join(assets, 'initramfs.xz'));
    expect(compressionOf(initramfs)).toBe('xz');
    const { names, dir } = extensionsArchive(initramfs);
    expect(names).toEqual(['0.sqsh', 'extensions.yaml', 'modules.dep.sqsh']);
    expect(squashfsCompression(join(dir, '0.sqsh'))).toBe('xz');
    expect(squashfsFiles(join(dir, '0.sqsh'))).toContain(
      `lib/modules/${kernelRelease}/extras/hailo_pci.ko`,
    );
    expect(squashfsFiles(join(dir, 'modules.dep.sqsh'))).toContain(
      `lib/modules/${kernelRelease}/modules.dep`,
    );
  });

  it('drops module.sig_enforce=1 from the UKI command line when asked, as -module.sig_enforce does upstream', async () => {
    const { installer } = buildInstaller('v1.12.1', [
      '--extra-kernel-arg -module.sig_enforce',
      '--extra-kernel-arg module.sig_enforce=0',
    ]);
    const uki = join(installer.layers.at(-1) ?? '', 'usr/install/amd64/vmlinuz.efi');
    const cmdline = peSection(uki, '.cmdline').toString().split(' ');
    expect(cmdline.filter((a) => a.startsWith('module.sig_enforce'))).toEqual([
      'module.sig_enforce=0',
    ]);
    // no extensions: the initramfs is the imager's own, one archive
    expect(initramfsArchives(peSection(uki, '.initrd')).map(cpioList)).toEqual([
      ['init', 'rootfs.sqsh'],
    ]);
  });
});
