/**
 * How the installer check holds an installer's boot files in memory (issue 13: peak RSS). A UKI is
 * one buffer of 100 MB or more; the check takes it out of the collected files, walks its
 * initramfs, copies out what it keeps and, where Node can detach an ArrayBuffer (≥ 22), frees it
 * before the kernel is decompressed and the extensions are read. Real formats: the UKI is made
 * with objcopy on systemd's stub, the archives with GNU cpio and zstd, the extension with
 * mksquashfs, the module is signed for the certificate compiled into the kernel.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inspectInstaller } from '../src/internal/installer/inspect-installer';
import { verifyInstaller } from '../src/internal/installer/verify-installer';
import { canReleaseBuffer } from '../src/internal/installer/release-buffer';
import { makeSigner, signSynthetic } from '../../kmod/test/helpers/synthetic-cms';
import { syntheticModule } from '../../kmod/test/helpers/synthetic-elf';
import { compress, concat, cpioArchive, mksquashfs } from '../../boot/test/helpers/boot-fixtures';
import { makeBzImage, makeUki } from '../../../test/support/kernel-images';

// real tools (objcopy, mksquashfs, cpio, zstd) build the fixtures: slow on a loaded machine
jest.setTimeout(5 * 60_000);

const root = mkdtempSync(join(tmpdir(), 'verify-installer-memory-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const release = '6.12.31-talos';
const signer = makeSigner();
/** Node ≥ 22 can free the UKI at once; Node 20 cannot (ArrayBuffer.prototype.transfer). */
const detaches = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function';

function put(dir: string, files: Record<string, string | Uint8Array>): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const extensionsYaml = [
  'layers:',
  '    - image: 0.sqsh',
  '      metadata:',
  '        name: demo-driver',
  '        version: 1.0.0',
  '        author: test',
  '        description: one signed module',
  '',
].join('\n');

/**
 * A Talos-shaped UKI: `.initrd` is a zstd archive with `init` and `rootfs.sqsh`, then the
 * extensions archive (`extensions.yaml`, `0.sqsh` with one signed module), compressed or not.
 */
function talosUki(name: string, extensionsCompressed: boolean): Buffer {
  const dir = join(root, name);
  const module = signSynthetic(
    syntheticModule({
      bits: 64,
      endian: 'little',
      machine: 62,
      modinfo: ['license=GPL', 'name=demo', `vermagic=${release} SMP mod_unload`],
    }).bytes,
    signer,
  );
  const ext = put(join(dir, 'ext'), { [`usr/lib/modules/${release}/extra/demo.ko`]: module });
  const first = put(join(dir, 'first'), { init: '#!/bin/sh\n' });
  mksquashfs(ext, join(first, 'rootfs.sqsh'), ['-comp', 'zstd', '-all-root']);
  const second = put(join(dir, 'second'), { 'extensions.yaml': extensionsYaml });
  mksquashfs(ext, join(second, '0.sqsh'), ['-comp', 'zstd', '-all-root']);
  const extensions = cpioArchive(second);
  const initrd = concat([
    compress('zstd', cpioArchive(first)),
    extensionsCompressed ? compress('zstd', extensions) : extensions,
  ]).bytes;
  return Buffer.from(
    makeUki({
      linux: makeBzImage({ release, certificates: [signer.certDer] }),
      initrd,
      uname: release,
      cmdline: 'talos.platform=metal module.sig_enforce=1',
      osrel: 'NAME="Talos"\nID=talos\nVERSION_ID=v1.12.0\n',
    }),
  );
}

const ukiPath = 'usr/install/amd64/vmlinuz.efi';
/** The UKIs, built once; each test takes a copy of its own (the check frees what it is given). */
const built: Record<'zstd' | 'plain', Buffer> = { zstd: Buffer.alloc(0), plain: Buffer.alloc(0) };
beforeAll(() => {
  built.zstd = talosUki('zstd', true);
  built.plain = talosUki('plain', false);
});
const copyOf = (kind: 'zstd' | 'plain'): Buffer => Buffer.from(built[kind]);

describe('installer boot files in memory', () => {
  it.each([
    ['a zstd extensions archive', true],
    ['a plain extensions archive (files are views into the UKI until copied)', false],
  ])('reads every extension module of a UKI with %s, then frees the UKI', async (_, zstd) => {
    const uki = copyOf(zstd ? 'zstd' : 'plain');
    expect(canReleaseBuffer(uki)).toBe(detaches);
    const files = new Map<string, Uint8Array>([[ukiPath, uki]]);
    const contents = await inspectInstaller({ arch: 'amd64', bootFormat: 'uki', files });
    expect(contents.initramfsProblems).toEqual([]);
    expect(contents.kernel.problems).toEqual([]);
    expect(contents.kernel.certificates).toHaveLength(1);
    expect(contents.release).toBe(release);
    expect(contents.extensions).toEqual([
      expect.objectContaining({
        name: 'demo-driver',
        present: true,
        moduleCount: 1,
        verdicts: { verified: 1 },
        problems: [],
      }),
    ]);
    expect(contents.modules.map((m) => [m.path, m.verdict])).toEqual([
      [`usr/lib/modules/${release}/extra/demo.ko`, 'verified'],
    ]);
    // taken out of the map, so nothing else keeps it alive; detached (memory freed) where it can be
    expect(files.size).toBe(0);
    expect(uki.buffer.byteLength).toBe(detaches ? 0 : uki.length);
  });

  it('takes each architecture out of the collected files as it reads it', async () => {
    const uki = copyOf('zstd');
    const bootFiles = new Map<string, Uint8Array>([[ukiPath, uki]]);
    const result = await verifyInstaller(
      [{ arch: 'amd64', bootFormat: 'uki', files: [ukiPath] }],
      [ukiPath, 'usr/bin/installer'],
      bootFiles,
      { extensions: [] },
    );
    expect(bootFiles.size).toBe(0);
    expect(result.modules.map((m) => m.verdict)).toEqual(['verified']);
    expect(result.installers[0]?.kernel.release).toBe(release);
  });

  it('leaves a buffer it does not own alone: a view into a larger buffer is never freed', async () => {
    const uki = copyOf('plain');
    const larger = Buffer.alloc(uki.length + 16);
    uki.copy(larger, 8);
    const view = larger.subarray(8, 8 + uki.length);
    expect(canReleaseBuffer(view)).toBe(false);
    const contents = await inspectInstaller({
      arch: 'amd64',
      bootFormat: 'uki',
      files: new Map([[ukiPath, view]]),
    });
    expect(contents.modules.map((m) => m.verdict)).toEqual(['verified']);
    expect(larger.buffer.byteLength).toBe(uki.length + 16);
    expect(larger.subarray(8, 8 + uki.length).equals(uki)).toBe(true);
  });
});
