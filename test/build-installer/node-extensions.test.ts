/**
 * Keeping the node's other extensions (issue #16 part 4) through the bundled build-installer action
 * and the CLI, against a real registry and Docker engine: pinned extra images, an Image Factory
 * schematic and saved `talosctl get extensions -o yaml` output, resolved through an extensions
 * catalog image (an image-digests file, as ghcr.io/siderolabs/extensions:<version> holds); every
 * extension verified against the kernel's certificate before the imager runs, so one signed by
 * another key is refused with its name, its signer and the PKGS_PREFIX fix. Also the
 * release-pairing check of the talos checkout.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { runCli } from '@talos-kmod/cli';
import { expectFailedWith, expectSucceeded, repoRoot, runAction } from '../support/action';
import { captureIo } from '../support/cli';
import { ensureDocker } from '../support/docker';
import { makeSigningKey, type TestKey } from '../support/modules';
import { startRegistry, type TestRegistry } from '../support/registry';
import {
  makeFixtureImager,
  prepareTalosCheckout,
  pushExtensionImage,
  pushFilesImage,
  pushKernelImage,
} from './images';

jest.setTimeout(10 * 60_000);

// The upstream `talosctl get extensions -o yaml` example (siderolabs/talos website, v1.11.5).
const upstreamStatus = readFileSync(
  resolve(repoRoot, 'packages/talos/test/testdata/release/get-extensions-doc.yaml'),
  'utf8',
);
/** One resource in talosctl's format (cmd/talosctl/cmd/talos/output/yaml.go), renamed. */
const statusOf = (name: string, version: string) =>
  upstreamStatus.replaceAll('intel-ucode', name).replace('microcode-20210608-v1.0.0', version);

let registry: TestRegistry;
let prefix: string;
let work: string;
let otherKey: TestKey;
const pinned: Record<string, string> = {};
let imager: { installerBase: string; imager: string };
const checkouts: string[] = [];

beforeAll(async () => {
  await ensureDocker();
  registry = await startRegistry();
  prefix = `${registry.host}/example-owner`;
  work = mkdtempSync(join(tmpdir(), 'node-extensions-'));
  // Sidero's build key, as far as the fork's kernel is concerned: any other key.
  otherKey = await makeSigningKey({ name: 'another-kernel-build' });
  await pushKernelImage(`${prefix}/kernel:k1`, ['amd64']);
  pinned.hailort = await pushExtensionImage(`${prefix}/hailort:4.24.0`, 'hailort', ['amd64']);
  // Official extensions in a loopback "siderolabs" namespace: two built against the fork's
  // kernel key, one (zfs) as Sidero ships it, signed by another build's key.
  const official = `${registry.host}/siderolabs`;
  pinned.iscsi = await pushExtensionImage(`${official}/iscsi-tools:v0.2.0`, 'iscsi_tools', [
    'amd64',
  ]);
  pinned.qemu = await pushExtensionImage(`${official}/qemu-guest-agent:10.0.2`, 'qemu_ga', [
    'amd64',
  ]);
  pinned.zfs = await pushExtensionImage(`${official}/zfs:2.3.3-v1.11.5`, 'zfs', ['amd64'], {
    key: otherKey,
  });
  // The catalog image, as the siderolabs/extensions Makefile writes it: image-digests at its root.
  pushFilesImage(`${official}/extensions:v1.11.5`, {
    'image-digests': `${[pinned.iscsi, pinned.qemu, pinned.zfs].sort().join('\n')}\n`,
  });
  const checkout = prepareTalosCheckout('v1.11.5');
  checkouts.push(checkout);
  imager = makeFixtureImager(checkout, {
    registry: registry.host,
    username: 'example-owner',
    tag: 'v1.11.5',
    kernel: `${prefix}/kernel:k1`,
    platforms: ['linux/amd64'],
  });
});

afterAll(async () => {
  for (const c of [...checkouts, work]) if (c) rmSync(c, { recursive: true, force: true });
  await registry?.stop();
});

/** A RegExp matching `text` literally. */
const literal = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

const catalog = () => `${registry.host}/siderolabs/extensions`;

describe('build-installer keeps the node extensions', () => {
  it('adds pinned, schematic and node extensions (the node’s old module extension replaced) and verifies each against the kernel', async () => {
    const schematic = join(work, 'schematic.yaml');
    writeFileSync(
      schematic,
      'customization:\n  systemExtensions:\n    officialExtensions:\n      - siderolabs/qemu-guest-agent\n',
    );
    const node = join(work, 'extensions.yaml');
    writeFileSync(
      node,
      [statusOf('hailort', '4.21.0'), statusOf('qemu-guest-agent', '9.2.0')].join('---\n'),
    );
    const run = await runAction('build-installer', {
      'imager-image': imager.imager,
      'base-installer-image': imager.installerBase,
      // the kernel the imager was built with: the extensions are checked against it first
      'kernel-image': `${prefix}/kernel:k1`,
      'extension-images': pinned.hailort ?? '',
      'extra-extension-images': pinned.iscsi ?? '',
      schematic: relative(repoRoot, schematic),
      'node-extensions': node,
      'talos-version': 'v1.11.5',
      'extensions-catalog': catalog(),
      registry: registry.host,
      'installer-ref': `${prefix}/installer:kept`,
    });
    expectSucceeded(run);
    // the node's hailort 4.21.0 is the one being rebuilt: the given image replaces it
    expect(run.stdout).toContain('hailort: provided by the extension images given');
    expect(run.stdout).toContain(`qemu-guest-agent → ${pinned.qemu} (the node runs 9.2.0)`);
    for (const image of [pinned.hailort, pinned.iscsi, pinned.qemu]) {
      expect(run.stdout).toContain(
        `${image}: 1 module(s) verified against the kernel's certificate`,
      );
    }
    // what went into the installer, read back from it before the push
    for (const name of ['hailort', 'iscsi_tools', 'qemu_ga']) {
      expect(run.summary).toMatch(
        new RegExp(`\\| ${name} \\| 4\\.24\\.0 \\| \`\\d\\.sqsh\` \\| 1 \\| ✅ 1 verified \\|`),
      );
    }
    expect(run.summary).not.toContain('zfs');
  });

  it('refuses an extension signed by another key before the imager runs, naming it, its signer and the fix (CLI)', async () => {
    const io = captureIo({ env: { GITHUB_REPOSITORY_OWNER: 'Example-Owner' } });
    const schematic = join(work, 'zfs.yaml');
    writeFileSync(
      schematic,
      'customization:\n  systemExtensions:\n    officialExtensions:\n      - siderolabs/zfs\n',
    );
    const dest = `${prefix}/installer:refused`;
    const code = await runCli(
      [
        'build-installer',
        '--imager-image',
        imager.imager,
        '--base-installer-image',
        imager.installerBase,
        '--kernel-image',
        `${prefix}/kernel:k1`,
        '--extension-image',
        pinned.hailort ?? '',
        '--schematic',
        schematic,
        '--talos-version',
        'v1.11.5',
        '--extensions-catalog',
        catalog(),
        '--registry',
        registry.host,
        '--installer-ref',
        dest,
      ],
      io,
    );
    expect(code).toBe(1);
    const err = io.err();
    expect(err).toContain(
      `extension zfs (${pinned.zfs}): 1 module(s) (zfs) signed by "${otherKey.signer}" key ${otherKey.serial}`,
    );
    expect(err).toContain(`does not trust; the node would refuse them`);
    expect(err).toContain(
      `make zfs PKGS_PREFIX=${prefix} PKGS=k1 (build-extension with pkgs-prefix ${prefix})`,
    );
    expect(err).toContain('Nothing was built or pushed');
    // the imager never ran and nothing was pushed
    expect(() =>
      execFileSync('skopeo', ['inspect', '--tls-verify=false', `docker://${dest}`], {
        stdio: 'pipe',
      }),
    ).toThrow();
  });

  it('fails up front on an unpinned extra image and on names without talos-version (CLI exit 2)', async () => {
    const io = captureIo({ env: { GITHUB_REPOSITORY_OWNER: 'example-owner' } });
    const base = [
      'build-installer',
      '--imager-image',
      imager.imager,
      '--base-installer-image',
      imager.installerBase,
    ];
    expect(
      await runCli(
        [...base, '--extra-extension-image', `${registry.host}/siderolabs/zfs:2.3.3-v1.11.5`],
        io,
      ),
    ).toBe(2);
    expect(io.err()).toContain(
      `--extra-extension-image has '${registry.host}/siderolabs/zfs:2.3.3-v1.11.5', which is not pinned`,
    );
    const io2 = captureIo({ env: { GITHUB_REPOSITORY_OWNER: 'example-owner' } });
    const node = join(work, 'node-only.yaml');
    writeFileSync(node, statusOf('iscsi-tools', 'v0.2.0'));
    expect(await runCli([...base, '--node-extensions', node], io2)).toBe(2);
    expect(io2.err()).toContain(
      '--talos-version is required with --schematic or --node-extensions',
    );
  });

  it('resolves names missing from the catalog to an error listing them', async () => {
    const schematic = join(work, 'unknown.yaml');
    writeFileSync(
      schematic,
      'customization:\n  systemExtensions:\n    officialExtensions:\n      - siderolabs/iscsi\n',
    );
    const run = await runAction('build-installer', {
      'imager-image': imager.imager,
      'base-installer-image': imager.installerBase,
      'extension-images': pinned.hailort ?? '',
      schematic,
      'talos-version': 'v1.11.5',
      'extensions-catalog': catalog(),
      registry: registry.host,
      'installer-ref': `${prefix}/installer:unknown`,
    });
    expectFailedWith(
      run,
      literal(
        `siderolabs/iscsi (did you mean siderolabs/iscsi-tools?): not in the official extensions of ${catalog()}:v1.11.5`,
      ),
    );
  });

  it('warns, or fails with release-mismatch: error, when the talos checkout is another release', async () => {
    const checkout = prepareTalosCheckout('v1.11.0');
    checkouts.push(checkout);
    const inputs = {
      'talos-dir': relative(repoRoot, checkout),
      'kernel-image': `${prefix}/kernel:k1`,
      'extension-images': pinned.hailort ?? '',
      'talos-version': 'v1.11.5',
      registry: registry.host,
      'installer-ref': `${prefix}/installer:mismatch`,
    };
    const failed = await runAction('build-installer', { ...inputs, 'release-mismatch': 'error' });
    expectFailedWith(
      failed,
      literal(
        `the talos checkout ${checkout} is at v1.11.0 (branch main), but Talos v1.11.5 pairs with talos v1.11.5: check out the tag v1.11.5`,
      ),
    );
  });
});
