/**
 * The installer check's release path (a UKI freed with ArrayBuffer.prototype.transfer(0) once its
 * initramfs is walked) as Node ≥ 22 runs it, on whatever Node runs the tests: where `transfer` is
 * missing (Node 20) it is supplied here by structuredClone's transfer list, which detaches the
 * buffer the same way. Every byte the check reads after the release must have been copied out of
 * the UKI first; a view into it would read as empty and the module would go missing.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectInstaller } from '../src/internal/installer/inspect-installer';
import { canReleaseBuffer } from '../src/internal/installer/release-buffer';
import { makeSigner } from '../../kmod/test/helpers/synthetic-cms';
import { talosUki, ukiModulePath, ukiRelease as release } from './helpers/talos-uki';

jest.setTimeout(5 * 60_000);

type WithTransfer = { transfer?: (this: ArrayBuffer, length?: number) => ArrayBuffer };
const proto = ArrayBuffer.prototype as WithTransfer;
const native = proto.transfer;

beforeAll(() => {
  if (!native) {
    proto.transfer = function (this: ArrayBuffer, length = 0): ArrayBuffer {
      structuredClone(this, { transfer: [this] }); // detaches `this`; the clone is garbage
      return new ArrayBuffer(length);
    };
  }
});
afterAll(() => {
  if (!native) delete proto.transfer;
});

const root = mkdtempSync(join(tmpdir(), 'verify-installer-release-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const signer = makeSigner();
const ukiPath = 'usr/install/amd64/vmlinuz.efi';

describe('an installer UKI freed after its initramfs walk', () => {
  it.each([
    ['a zstd extensions archive', true],
    ['a plain extensions archive (its files are views into the UKI until copied)', false],
  ])('keeps every fact and module of a UKI with %s', async (_, extensionsCompressed) => {
    const uki = talosUki({
      dir: join(root, String(extensionsCompressed)),
      signer,
      extensionsCompressed,
    });
    expect(canReleaseBuffer(uki)).toBe(true);
    const files = new Map<string, Uint8Array>([[ukiPath, uki]]);
    const contents = await inspectInstaller({ arch: 'amd64', bootFormat: 'uki', files });
    expect(uki.buffer.byteLength).toBe(0); // detached: the release path ran
    expect(contents.initramfsProblems).toEqual([]);
    expect(contents.kernel.problems).toEqual([]);
    expect(contents.kernel.certificates).toHaveLength(1);
    expect(contents.kernel.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(contents.release).toBe(release);
    expect(contents.extensions).toEqual([
      expect.objectContaining({ name: 'demo-driver', present: true, verdicts: { verified: 1 } }),
    ]);
    expect(contents.modules.map((m) => [m.path, m.verdict])).toEqual([[ukiModulePath, 'verified']]);
  });
});
