/**
 * A failing case, at report level, for checks the image fixtures only ever saw pass: image kind,
 * kernel-image platform, module format, signature consistency, depends, udev lint, the extension
 * layout/metadata/version rules end to end, and modules compressed with the real xz and zstd.
 * Modules are synthetic ELF files with real `.modinfo` and CMS signatures; images are plain
 * directories or OCI layouts written with tar-stream.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  failureMessage,
  formatReportText,
  verifyImage,
  type VerifyReport,
} from '@talos-kmod/verify';
import { makeSigner, signSynthetic } from '../../kmod/test/helpers/synthetic-cms';
import { syntheticModule } from '../../kmod/test/helpers/synthetic-elf';
import { newDir, writeOciLayout } from '../../../test/support/images';

const root = mkdtempSync(join(tmpdir(), 'verify-failing-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const release = '6.12.31-talos';
const modules = `usr/lib/modules/${release}/extra`;
let n = 0;

function tree(files: Record<string, string | Uint8Array>): string {
  const dir = join(root, `t${n++}`);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  mkdirSync(dir, { recursive: true });
  return `dir:${dir}`;
}

function module(name: string, extra: string[] = []): Uint8Array {
  return syntheticModule({
    bits: 64,
    endian: 'little',
    machine: 62,
    modinfo: ['license=GPL', `name=${name}`, `vermagic=${release} SMP mod_unload`, ...extra],
  }).bytes;
}

const fails = (r: VerifyReport, id: string) =>
  r.checks.filter((c) => c.id === id && c.status === 'fail');

const manifest = (fields: string) => `version: v1alpha1\nmetadata:\n${fields}`;
const goodFields = '  name: demo\n  version: 1.0.0\n  author: a\n  description: d\n';

describe('checks that fail at report level', () => {
  it('image.kind: an image that is none of the chain', async () => {
    const r = await verifyImage({ image: tree({ 'opt/readme.txt': 'hello' }) });
    expect(fails(r, 'image.kind')).toHaveLength(1);
    expect(r.passed).toBe(false);
  });

  it('module.format: a .ko that is no ELF file', async () => {
    const r = await verifyImage({
      image: tree({ [`${modules}/good.ko`]: module('good'), [`${modules}/bad.ko`]: 'not elf' }),
    });
    expect(fails(r, 'module.format').map((c) => c.path)).toEqual([`${modules}/bad.ko`]);
    expect(r.passed).toBe(false);
  });

  it('signature.consistent: modules signed with two different keys', async () => {
    const [a, b] = [makeSigner({ serial: [1] }), makeSigner({ serial: [2] })];
    const r = await verifyImage({
      image: tree({
        [`${modules}/one.ko`]: signSynthetic(module('one'), a),
        [`${modules}/two.ko`]: signSynthetic(module('two'), b),
      }),
    });
    expect(fails(r, 'signature.signed')).toEqual([]);
    expect(fails(r, 'signature.consistent')).toHaveLength(1);
    expect(r.passed).toBe(false);
  });

  it('depends.resolved: a dependency that is nowhere', async () => {
    const r = await verifyImage({
      image: tree({
        [`${modules}/needy.ko`]: module('needy', ['depends=present,nowhere_mod']),
        [`${modules}/present.ko`]: module('present'),
      }),
    });
    const [f, ...rest] = fails(r, 'depends.resolved');
    expect(rest).toEqual([]);
    expect(f?.message).toContain('nowhere_mod');
    expect(f?.message).not.toMatch(/\bpresent\b/);
  });

  it('udev.lint: a rule udevd accepts with a warning fails under fail-on warning', async () => {
    const r = await verifyImage({
      image: tree({
        'usr/lib/udev/rules.d/50-x.rules': 'KERNEL=="x", OWNER+="root"\n',
        [`${modules}/x.ko`]: module('x'),
      }),
      failOn: 'warning',
    });
    expect(fails(r, 'udev.lint').map((c) => c.severity)).toEqual(['warning']);
    expect(r.passed).toBe(false);
  });

  it('extension layout, metadata and version rules, end to end', async () => {
    const r = await verifyImage({
      image: tree({
        'manifest.yaml': manifest('  name: demo\n  version: banana\n'),
        'README.md': 'stray',
        'rootfs/usr/local/bin/tool': 'x',
      }),
      failOn: 'warning',
    });
    expect(fails(r, 'extension.layout').map((c) => c.path)).toEqual(['README.md']);
    expect(fails(r, 'extension.version-format')).toHaveLength(1);
    expect(fails(r, 'extension.metadata').map((c) => c.severity)).toContain('warning');
    const good = await verifyImage({
      image: tree({ 'manifest.yaml': manifest(goodFields), 'rootfs/usr/local/bin/tool': 'x' }),
      failOn: 'warning',
    });
    expect(good.passed).toBe(true);
  });

  it('reads modules compressed with xz and zstd inside an image', async () => {
    const dir = join(root, `t${n++}`);
    mkdirSync(join(dir, modules), { recursive: true });
    writeFileSync(join(dir, modules, 'xzmod.ko'), module('xzmod'));
    writeFileSync(join(dir, modules, 'zstmod.ko'), module('zstmod'));
    execFileSync('xz', ['--check=crc32', '--lzma2=dict=1MiB', join(dir, modules, 'xzmod.ko')]);
    execFileSync('zstd', ['-q', '--rm', join(dir, modules, 'zstmod.ko')]);
    const r = await verifyImage({ image: `dir:${dir}` });
    expect(r.modules.map((m) => [m.name, m.path, m.vermagic?.split(' ')[0]]).sort()).toEqual([
      ['xzmod', `${modules}/xzmod.ko.xz`, release],
      ['zstmod', `${modules}/zstmod.ko.zst`, release],
    ]);
    expect(fails(r, 'module.format')).toEqual([]);
    expect(fails(r, 'kernel-release.vermagic')).toEqual([]);
  });

  it('kernel-image.platform: a kernel image for another platform', async () => {
    const files = (f: Record<string, string | Buffer>) =>
      Object.entries(f).map(([path, content]) => ({ path, content }));
    const image = await writeOciLayout(newDir('failing-image'), [
      {
        platform: { os: 'linux', architecture: 'amd64' },
        layers: [files({ [`${modules}/m.ko`]: Buffer.from(module('m')) })],
      },
    ]);
    const kernel = await writeOciLayout(newDir('failing-kernel'), [
      {
        platform: { os: 'linux', architecture: 'arm64' },
        layers: [files({ 'boot/vmlinuz': 'kernel', [`usr/lib/modules/${release}/k.ko`]: 'x' })],
      },
    ]);
    const r = await verifyImage({ image: `oci:${image}`, kernelImage: `oci:${kernel}` });
    expect(fails(r, 'kernel-image.platform')).toHaveLength(1);
    expect(r.passed).toBe(false);
  });

  it('shows control characters in image-derived text as escapes in the text report and failure message', async () => {
    const hostile = 'evil\n\u001b[2J✓ signature.signed  PASSED';
    const r = await verifyImage({
      image: tree({
        'manifest.yaml': manifest(goodFields),
        [`rootfs/opt/${hostile}`]: 'x',
      }),
    });
    expect(r.passed).toBe(false);
    for (const text of [failureMessage(r), formatReportText(r, { color: false })]) {
      expect(text).not.toContain('\u001b');
      expect(text).toContain('evil\\n\\u001b[2J');
      expect(text.split('\n').some((l) => l.startsWith('✓ signature.signed'))).toBe(false);
    }
  });
});
