/**
 * The images the verify-image tests run against, built once per test file: real modules built
 * against Debian's headers and signed with sign-file (test/support/modules.ts), assembled into OCI
 * layouts (test/support/images.ts) and pushed to the file's registry with skopeo.
 *
 * Every failing case differs from the good extension in exactly one way, so that it fails exactly
 * one check; `cases` lists them with that check's id and the inputs to use.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeBzImage } from '../support/kernel-images';
import {
  buildTestModule,
  compressModule,
  kernelRelease,
  makeSigningKey,
  scratchDir,
  signModule,
  type TestKey,
} from '../support/modules';
import {
  extensionFiles,
  kernelImageFiles,
  modulePackageFiles,
  newDir,
  pushLayout,
  withVermagicRelease,
  writeOciLayout,
  type ManifestFields,
  type PackageContent,
  type TestFile,
  type TestImage,
} from '../support/images';

/** A release of the same length as the headers' one, its ABI number's last digit changed (6.1.0-56 → 6.1.0-57). */
export const otherRelease = kernelRelease.replace(
  /^(\d+\.\d+\.\d+-\d*)(\d)/,
  (_m, head: string, d: string) => `${head}${(Number(d) + 1) % 10}`,
);

export const goodRules = 'SUBSYSTEM=="hailo_chardev", MODE="0666"\n';
export const firmwareName = 'hailo/hailo8_fw.bin';

/** Every case, in the order `buildFixtures` makes them (tests are listed before fixtures exist). */
export const caseNames: readonly string[] = [
  'good extension',
  'good module package',
  'module signed by another build key',
  'module signed by another build key, against a kernel image without /boot/vmlinuz (key-id fallback)',
  'kernel image whose vmlinuz holds no certificate (key-id fallback)',
  'kernel image whose vmlinuz is truncated (key-id fallback)',
  'unsigned module',
  'modules in another release directory than the kernel',
  'module whose vermagic names another release',
  'two kernel release directories',
  'file at a path extensions may not use',
  'world-writable file',
  'manifest version other than v1alpha1',
  'extension name other than the package name',
  'compatibility constraint the Talos version does not satisfy',
  'udev rule that does not parse',
  'udev rules under etc/udev',
  'kernel image with an in-tree module signed by another build key',
  'extension for Talos 1.9 with modules under lib/modules',
  'the same extension judged for Talos 1.11',
  'required module missing',
  'missing firmware is only a warning',
  'missing firmware with fail-on warning',
  'multi-platform index whose arm64 image holds x86_64 modules',
  'one platform of a multi-platform index, chosen with platform',
  'kernel-cert: the good extension is proven by the certificate',
  'kernel-cert: module signed by another build key with the same signer name',
  'kernel-cert: module with one byte changed after signing',
  'kernel-cert: module stripped after signing, its signature block appended again',
  'kernel-cert: module stripped after signing (strip drops the signature)',
  'kernel-cert: signature block copied from another module',
  'kernel-cert: unsigned module',
  'kernel-cert: compressed .ko.xz and .ko.zst modules verify after decompression',
  'kernel-cert: module signed by a key the kernel revokes',
];

/** The inputs every case passes unless it says otherwise. */
export interface CaseInputs {
  kernelImage?: string;
  kernelCert?: string;
  kernelRelease?: string;
  modules?: string[];
  extensionName?: string;
  talosVersion?: string;
  platform?: string;
  failOn?: 'error' | 'warning';
}

/** A built image and how to verify it. */
export interface VerifyCase {
  name: string;
  image: string;
  inputs: CaseInputs;
  /** Ids of the failing (error or warning) checks, exactly; empty when it passes. */
  failing: string[];
  /** Whether verification passes (default: when `failing` is empty). */
  passes?: boolean;
  /** The platform named by the failures, for multi-platform cases. */
  platform?: string;
  /** A path the failure is about (for annotations). */
  path?: string;
  /** How the signatures must have been proven (checked when set). */
  proof?: 'certificate' | 'key-id' | 'none';
  /** Text a failing check's message must hold (checked when set). */
  messageContains?: string;
}

/** What the fixtures hold. */
export interface Fixtures {
  kernelImage: string;
  kernelIndex: string;
  goodExtensionDir: string;
  goodExtensionFiles: TestFile[];
  cases: VerifyCase[];
  key: TestKey;
  /** The kernel image's /boot/vmlinuz: a zstd bzImage embedding `key`'s certificate. */
  vmlinuz: Uint8Array;
}

const manifest = (over: Partial<ManifestFields> = {}): ManifestFields => ({
  name: 'hailort',
  version: '4.24.0',
  author: 'hailo.ai team',
  description: 'Driver for HailoRT family of AI hardware',
  talos: '>= v1.9.0',
  ...over,
});

const run = promisify(execFile);

/** The appended signature block of a signed module file (PKCS#7, module_signature, marker). */
async function signatureBlock(file: string): Promise<Buffer> {
  const bytes = await readFile(file);
  const infoAt = bytes.length - 28 - 12;
  return bytes.subarray(infoAt - bytes.readUInt32BE(infoAt + 8));
}

/** The ways a signed module goes wrong after signing, as files. */
async function brokenAfterSigning(
  module: string,
  donor: string,
  key: TestKey,
): Promise<{ changed: string; strippedResigned: string; stripped: string; copied: string }> {
  const dir = await mkdtemp(join(scratchDir(), 'broken-'));
  const signed = await signModule(module, key);
  const bytes = await readFile(signed);
  const changed = join(dir, 'changed.ko');
  bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0x20;
  await writeFile(changed, bytes);
  const stripped = join(dir, 'stripped.ko');
  await run('strip', ['--strip-debug', '-o', stripped, signed]);
  const strippedResigned = join(dir, 'stripped-block.ko');
  await writeFile(
    strippedResigned,
    Buffer.concat([await readFile(stripped), await signatureBlock(signed)]),
  );
  const copied = join(dir, 'copied.ko');
  await writeFile(
    copied,
    Buffer.concat([await readFile(module), await signatureBlock(await signModule(donor, key))]),
  );
  return { changed, strippedResigned, stripped, copied };
}

async function push(
  host: string,
  repo: string,
  images: TestImage[],
  tag = 'test',
): Promise<string> {
  const dir = await writeOciLayout(newDir(repo.replace(/\//g, '-')), images, tag);
  return pushLayout(dir, host, repo, tag);
}

/** Builds every module and image and pushes them to `host`. */
export async function buildFixtures(host: string): Promise<Fixtures> {
  const [hailo, intreeA, intreeB, legacy] = await Promise.all([
    buildTestModule({ name: 'hailo_pci', firmware: [firmwareName] }),
    buildTestModule({ name: 'intree_a' }),
    buildTestModule({ name: 'intree_b' }),
    buildTestModule({ name: 'legacy_mod' }),
  ]);
  const [key, otherKey] = await Promise.all([
    makeSigningKey({ name: 'kernel' }),
    makeSigningKey({ name: 'other-build' }),
  ]);
  const patched = await withVermagicRelease(hailo, otherRelease);
  const broken = await brokenAfterSigning(hailo, intreeA, key);
  const [signed, signedOther, signedPatched, signedA, signedB, signedBOther, signedLegacy] =
    await Promise.all([
      signModule(hailo, key),
      signModule(hailo, otherKey),
      signModule(patched, key),
      signModule(intreeA, key),
      signModule(intreeB, key),
      signModule(intreeB, otherKey),
      signModule(legacy, key),
    ]);
  const at = 'kernel/drivers/misc/hailo_pci.ko';
  // a real zstd bzImage whose system_certificate_list holds the build key's certificate
  const vmlinuz = makeBzImage({
    release: kernelRelease,
    certificates: [await readFile(key.certDerPath)],
  });
  const intree = [
    { file: signedA, at: 'kernel/drivers/a/intree_a.ko' },
    { file: signedB, at: 'kernel/drivers/b/intree_b.ko' },
  ];
  const kernelFiles = kernelImageFiles({ kernelRelease, modules: intree, vmlinuz });
  const without = (files: TestFile[]) => files.filter((f) => f.path !== 'boot/vmlinuz');
  const content = (over: Partial<PackageContent> = {}): PackageContent => ({
    kernelRelease,
    modules: [{ file: signed, at }],
    rules: { '51-hailo-udev.rules': goodRules },
    firmware: { [firmwareName]: 'firmware bytes' },
    ...over,
  });
  const ext = (
    m: Partial<ManifestFields>,
    c: Partial<PackageContent> = {},
    extra: TestFile[] = [],
  ): TestImage => ({
    layers: [[...extensionFiles(manifest(m), content(c)), ...extra]],
  });
  const base: CaseInputs = {
    modules: ['hailo_pci'],
    extensionName: 'hailort',
    talosVersion: 'v1.11.0',
  };
  const modPath = (release = kernelRelease) => `rootfs/usr/lib/modules/${release}/${at}`;

  const kernelImage = await push(host, 'acme/kernel', [{ layers: [kernelFiles] }]);
  // two in-tree modules with the build key, one with another: a kernel image mixing builds
  const mixedKernel = await push(host, 'acme/kernel-mixed', [
    {
      layers: [
        kernelImageFiles({
          kernelRelease,
          modules: [
            { file: signedA, at: 'kernel/drivers/a/intree_a.ko' },
            { file: signedLegacy, at: 'kernel/drivers/l/legacy_mod.ko' },
            { file: signedBOther, at: 'kernel/drivers/b/intree_b.ko' },
          ],
          vmlinuz,
        }),
      ],
    },
  ]);
  // kernels the certificate cannot be read from: the key id of the in-tree modules is the proof
  const noVmlinuzKernel = await push(host, 'acme/kernel-no-vmlinuz', [
    { layers: [without(kernelFiles)] },
  ]);
  const noCertKernel = await push(host, 'acme/kernel-no-cert', [
    {
      layers: [
        kernelImageFiles({
          kernelRelease,
          modules: intree,
          vmlinuz: makeBzImage({ release: kernelRelease, certificates: [] }),
        }),
      ],
    },
  ]);
  const truncatedKernel = await push(host, 'acme/kernel-truncated', [
    {
      layers: [
        kernelImageFiles({
          kernelRelease,
          modules: intree,
          vmlinuz: vmlinuz.subarray(0, vmlinuz.length >> 1),
        }),
      ],
    },
  ]);
  // Talos before 1.10 reads /lib/modules: a module without firmware, rules in /usr/lib/udev
  const legacyExtension = {
    layers: [
      extensionFiles(manifest({ name: 'legacy', talos: '>= v1.9.0' }), {
        kernelRelease,
        modulesRoot: 'lib/modules',
        modules: [{ file: signedLegacy, at: 'extras/legacy_mod.ko' }],
        rules: { '60-legacy.rules': 'KERNEL=="legacy*", MODE="0660"\n' },
      }),
    ],
  };
  const kernelIndex = await push(host, 'acme/kernel-multi', [
    { platform: { os: 'linux', architecture: 'amd64' }, layers: [kernelFiles] },
    { platform: { os: 'linux', architecture: 'arm64' }, layers: [kernelFiles] },
  ]);
  const withKernel = { ...base, kernelImage };
  const goodExtensionFiles = extensionFiles(manifest(), content());
  const goodExtension = await push(host, 'acme/hailort', [{ layers: [goodExtensionFiles] }]);
  const specs: (Omit<VerifyCase, 'image'> & { images?: TestImage[]; image?: string })[] = [
    { name: 'good extension', image: goodExtension, inputs: withKernel, failing: [] },
    {
      name: 'good module package',
      images: [{ layers: [modulePackageFiles(content())] }],
      inputs: { kernelImage, modules: ['hailo_pci'], talosVersion: 'v1.11.0' },
      failing: [],
    },
    {
      name: 'module signed by another build key',
      images: [ext({}, { modules: [{ file: signedOther, at }] })],
      inputs: withKernel,
      failing: ['signature.certificate'],
      path: modPath(),
      proof: 'certificate',
    },
    {
      name: 'module signed by another build key, against a kernel image without /boot/vmlinuz (key-id fallback)',
      images: [ext({}, { modules: [{ file: signedOther, at }] })],
      inputs: { ...withKernel, kernelImage: noVmlinuzKernel },
      failing: ['signature.same-key'],
      path: modPath(),
      proof: 'key-id',
    },
    {
      name: 'kernel image whose vmlinuz holds no certificate (key-id fallback)',
      image: goodExtension,
      inputs: { ...withKernel, kernelImage: noCertKernel },
      failing: ['signature.kernel-certificate'],
      proof: 'key-id',
    },
    {
      name: 'kernel image whose vmlinuz is truncated (key-id fallback)',
      image: goodExtension,
      inputs: { ...withKernel, kernelImage: truncatedKernel },
      failing: ['signature.kernel-certificate'],
      proof: 'key-id',
    },
    {
      name: 'unsigned module',
      images: [ext({}, { modules: [{ file: hailo, at }] })],
      inputs: withKernel,
      failing: ['signature.signed'],
      path: modPath(),
    },
    {
      name: 'modules in another release directory than the kernel',
      images: [ext({}, { modules: [{ file: signed, at, release: otherRelease }] })],
      inputs: withKernel,
      failing: ['kernel-release.kernel'],
      path: `rootfs/usr/lib/modules/${otherRelease}`,
    },
    {
      name: 'module whose vermagic names another release',
      images: [ext({}, { modules: [{ file: signedPatched, at }] })],
      inputs: withKernel,
      failing: ['kernel-release.vermagic'],
      path: modPath(),
    },
    {
      name: 'two kernel release directories',
      images: [
        ext(
          {},
          {
            modules: [
              { file: signed, at },
              { file: signed, at, release: otherRelease },
            ],
          },
        ),
      ],
      inputs: withKernel,
      failing: ['kernel-release.dir'],
      path: 'rootfs/usr/lib/modules',
    },
    {
      name: 'file at a path extensions may not use',
      images: [
        ext({}, {}, [{ path: 'rootfs/usr/bin/hailortcli', content: '#!/bin/sh\n', mode: 0o755 }]),
      ],
      inputs: withKernel,
      failing: ['extension.allowed-path'],
      path: 'rootfs/usr/bin/hailortcli',
    },
    {
      name: 'world-writable file',
      images: [
        ext({}, {}, [
          { path: 'rootfs/usr/local/share/hailo/config.json', content: '{}', mode: 0o666 },
        ]),
      ],
      inputs: withKernel,
      failing: ['extension.world-writable'],
      path: 'rootfs/usr/local/share/hailo/config.json',
    },
    {
      name: 'manifest version other than v1alpha1',
      images: [ext({ manifestVersion: 'v1alpha2' })],
      inputs: withKernel,
      failing: ['extension.manifest-version'],
      path: 'manifest.yaml',
    },
    {
      name: 'extension name other than the package name',
      image: goodExtension,
      inputs: { ...withKernel, extensionName: 'hailo' },
      failing: ['extension.name'],
      path: 'manifest.yaml',
    },
    {
      name: 'compatibility constraint the Talos version does not satisfy',
      images: [ext({ talos: '>= v1.12.0' })],
      inputs: withKernel,
      failing: ['extension.compatibility'],
      path: 'manifest.yaml',
    },
    {
      name: 'udev rule that does not parse',
      images: [
        ext({}, { rules: { '51-hailo-udev.rules': 'SUBSYSTEM=="hailo_chardev", MODE="0666\n' } }),
      ],
      inputs: withKernel,
      failing: ['udev.syntax'],
      path: 'rootfs/usr/lib/udev/rules.d/51-hailo-udev.rules',
    },
    {
      name: 'udev rules under etc/udev',
      images: [ext({}, { rulesDir: 'etc/udev/rules.d' })],
      inputs: withKernel,
      failing: ['udev.location'],
      path: 'rootfs/etc/udev/rules.d/51-hailo-udev.rules',
    },
    {
      name: 'kernel image with an in-tree module signed by another build key',
      image: mixedKernel,
      inputs: {},
      failing: ['signature.certificate'],
      proof: 'certificate',
      path: `usr/lib/modules/${kernelRelease}/kernel/drivers/b/intree_b.ko`,
    },
    {
      name: 'extension for Talos 1.9 with modules under lib/modules',
      images: [legacyExtension],
      inputs: {
        kernelImage,
        modules: ['legacy_mod'],
        extensionName: 'legacy',
        talosVersion: 'v1.9.5',
      },
      failing: [],
    },
    {
      name: 'the same extension judged for Talos 1.11',
      images: [legacyExtension],
      inputs: {
        kernelImage,
        modules: ['legacy_mod'],
        extensionName: 'legacy',
        talosVersion: 'v1.11.0',
      },
      failing: ['kernel-release.modules-path'],
      path: `rootfs/lib/modules/${kernelRelease}/extras/legacy_mod.ko`,
    },
    {
      name: 'required module missing',
      image: goodExtension,
      inputs: { ...withKernel, modules: ['hailo_pci', 'hailo_missing'] },
      failing: ['modules.required'],
    },
    {
      name: 'missing firmware is only a warning',
      images: [ext({}, { firmware: {} })],
      inputs: withKernel,
      failing: ['firmware.present'],
      passes: true,
      path: modPath(),
    },
    {
      name: 'missing firmware with fail-on warning',
      images: [ext({}, { firmware: {} })],
      inputs: { ...withKernel, failOn: 'warning' },
      failing: ['firmware.present'],
      path: modPath(),
    },
    {
      name: 'multi-platform index whose arm64 image holds x86_64 modules',
      images: [
        { platform: { os: 'linux', architecture: 'amd64' }, layers: [goodExtensionFiles] },
        { platform: { os: 'linux', architecture: 'arm64' }, layers: [goodExtensionFiles] },
      ],
      inputs: { ...base, kernelImage: kernelIndex },
      failing: ['module.arch'],
      platform: 'linux/arm64',
      path: modPath(),
    },
    {
      name: 'one platform of a multi-platform index, chosen with platform',
      images: [
        { platform: { os: 'linux', architecture: 'amd64' }, layers: [goodExtensionFiles] },
        { platform: { os: 'linux', architecture: 'arm64' }, layers: [goodExtensionFiles] },
      ],
      inputs: { ...base, kernelImage: kernelIndex, platform: 'linux/amd64' },
      failing: [],
    },
  ];
  const withCert = { ...base, kernelCert: key.certPemPath };
  // a kernel file that trusts the build key and revokes the other build key
  // (CONFIG_SYSTEM_REVOCATION_KEYS): its revocation_certificate_list is in .init.data too
  const revokingKernel = join(await mkdtemp(join(scratchDir(), 'revoking-')), 'vmlinuz');
  await writeFile(
    revokingKernel,
    makeBzImage(
      {
        release: kernelRelease,
        certificates: [await readFile(key.certDerPath)],
        revoked: [await readFile(otherKey.certDerPath)],
      },
      'gzip',
    ),
  );
  const [xz, zst] = await Promise.all([
    compressModule(signed, 'xz'),
    compressModule(signed, 'zstd'),
  ]);
  const certCase = (
    name: string,
    file: string,
    failing: string[],
  ): Omit<VerifyCase, 'image'> & { images: TestImage[] } => ({
    name: `kernel-cert: ${name}`,
    images: [ext({}, { modules: [{ file, at }] })],
    inputs: withCert,
    failing,
    proof: 'certificate',
    ...(failing.length > 0 ? { path: modPath() } : {}),
  });
  specs.push(
    {
      name: 'kernel-cert: the good extension is proven by the certificate',
      image: goodExtension,
      inputs: { ...withCert, kernelImage },
      failing: [],
      proof: 'certificate',
    },
    certCase('module signed by another build key with the same signer name', signedOther, [
      'signature.certificate',
    ]),
    certCase('module with one byte changed after signing', broken.changed, [
      'signature.certificate',
    ]),
    certCase(
      'module stripped after signing, its signature block appended again',
      broken.strippedResigned,
      ['signature.certificate'],
    ),
    certCase('module stripped after signing (strip drops the signature)', broken.stripped, [
      'signature.signed',
    ]),
    certCase('signature block copied from another module', broken.copied, [
      'signature.certificate',
    ]),
    certCase('unsigned module', hailo, ['signature.signed']),
    {
      name: 'kernel-cert: compressed .ko.xz and .ko.zst modules verify after decompression',
      images: [
        ext(
          {},
          {
            modules: [
              { file: xz, at: `${at}.xz` },
              { file: zst, at: 'kernel/drivers/misc/hailo_pci_copy.ko.zst' },
            ],
          },
        ),
      ],
      inputs: withCert,
      failing: [],
      proof: 'certificate',
    },
    {
      ...certCase('module signed by a key the kernel revokes', signedOther, [
        'signature.certificate',
      ]),
      inputs: { ...base, kernelCert: revokingKernel },
      messageContains: 'a certificate the kernel revokes',
    },
  );
  if (JSON.stringify(specs.map((x) => x.name)) !== JSON.stringify(caseNames)) {
    throw new Error('caseNames is out of date with the cases buildFixtures makes');
  }
  const cases: VerifyCase[] = [];
  for (const [i, s] of specs.entries()) {
    const { images, image, ...rest } = s;
    cases.push({ ...rest, image: image ?? (await push(host, `acme/case-${i}`, images ?? [])) });
  }
  const goodExtensionDir = newDir('good-extension-layout');
  await writeOciLayout(goodExtensionDir, [{ layers: [goodExtensionFiles] }], 'test');
  return { kernelImage, kernelIndex, goodExtensionDir, goodExtensionFiles, cases, key, vmlinuz };
}
