/**
 * How the installer check holds an installer's boot files in memory (issue 13: peak RSS). A UKI is
 * one buffer of 100 MB or more; the check takes it out of the collected files, walks its
 * initramfs, copies out what it keeps and, where Node can detach an ArrayBuffer (≥ 22), frees it
 * before the kernel is decompressed and the extensions are read. Real formats: the UKI is made
 * with objcopy on systemd's stub, the archives with GNU cpio and zstd, the extension with
 * mksquashfs, the module is signed for the certificate compiled into the kernel.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectInstaller } from '../src/internal/installer/inspect-installer';
import { verifyInstaller } from '../src/internal/installer/verify-installer';
import { canReleaseBuffer } from '../src/internal/installer/release-buffer';
import { makeSigner } from '../../kmod/test/helpers/synthetic-cms';
import { talosUki, ukiModulePath, ukiRelease as release } from './helpers/talos-uki';

// real tools (objcopy, mksquashfs, cpio, zstd) build the fixtures: slow on a loaded machine
jest.setTimeout(5 * 60_000);

const root = mkdtempSync(join(tmpdir(), 'verify-installer-memory-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const signer = makeSigner();
/** Node ≥ 22 can free the UKI at once; Node 20 cannot (ArrayBuffer.prototype.transfer). */
const detaches = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function';

const ukiPath = 'usr/install/amd64/vmlinuz.efi';
/** The UKIs, built once; each test takes a copy of its own (the check frees what it is given). */
const built: Record<'zstd' | 'plain', Buffer> = { zstd: Buffer.alloc(0), plain: Buffer.alloc(0) };
beforeAll(() => {
  built.zstd = talosUki({ dir: join(root, 'zstd'), signer, extensionsCompressed: true });
  built.plain = talosUki({ dir: join(root, 'plain'), signer, extensionsCompressed: false });
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
    expect(contents.modules.map((m) => [m.path, m.verdict])).toEqual([[ukiModulePath, 'verified']]);
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
