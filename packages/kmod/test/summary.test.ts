/**
 * readModuleSummary: the light read verify-image makes of every module, from the pieces a layer
 * arrived in. It must say exactly what readModule says (less the full `.modinfo` list and symbol
 * versions) however the bytes are cut, and survive the same damage.
 */
import { describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import {
  readModule,
  readModuleSummary,
  type ModuleInfo,
  type ModuleSummary,
} from '@talos-kmod/kmod';
import { allocationProbe, resetAllocationProbe } from '../src/internal/alloc';
import { syntheticModule } from './helpers/synthetic-elf';
import { makeSigner, signSynthetic } from './helpers/synthetic-cms';
import { mutate, prng } from './helpers/mutate';

const layout = syntheticModule({ bits: 64, endian: 'little', machine: 62 });
const signed = signSynthetic(layout.bytes, makeSigner());

/**
 * What a summary should hold: readModule's result without the two full lists, and without
 * problems in the symbol-version sections a summary never reads.
 */
function expected(info: ModuleInfo): ModuleSummary {
  const summary: ModuleSummary & Partial<ModuleInfo> = { ...info };
  delete summary.modinfo;
  delete summary.versions;
  return { ...summary, problems: info.problems.filter((p) => !p.includes('__version')) };
}

/** `info` with its signature bytes as a plain Uint8Array (views of a Buffer input are Buffers). */
function plain<T extends { signature?: { signature: Uint8Array } }>(info: T): T {
  if (!info.signature) return info;
  return {
    ...info,
    signature: { ...info.signature, signature: Uint8Array.from(info.signature.signature) },
  };
}

/** `bytes` cut at `cuts` (sorted offsets), as views. */
function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const at of [...cuts, bytes.length]) {
    pieces.push(bytes.subarray(from, at));
    from = at;
  }
  return pieces;
}

describe('readModuleSummary', () => {
  it('says what readModule says for a signed module in one piece', async () => {
    const full = await readModule(signed, { fileName: 'acme.ko' });
    expect(full.signed).toBe(true);
    expect(full.signature?.signer).toBeDefined();
    expect(await readModuleSummary(signed, { fileName: 'acme.ko' })).toEqual(expected(full));
  });

  it('says the same however the module is cut into pieces', async () => {
    const full = expected(await readModule(signed, { fileName: 'acme.ko' }));
    const rand = prng(42);
    const n = signed.length;
    const cuttings: number[][] = [
      [1],
      [6, 7],
      [n - 1],
      [n - 28, n - 40], // through the marker and the module_signature block
      Array.from({ length: Math.floor(n / 97) }, (_, i) => (i + 1) * 97), // many small pieces
    ];
    for (let i = 0; i < 40; i++) {
      cuttings.push(
        Array.from({ length: 1 + Math.floor(rand() * 8) }, () => 1 + Math.floor(rand() * (n - 1))),
      );
    }
    for (const cuts of cuttings) {
      const pieces = cut(
        signed,
        [...new Set(cuts)].sort((a, b) => a - b),
      );
      const summary = await readModuleSummary(pieces, { fileName: 'acme.ko' });
      expect({ cuts, summary }).toEqual({ cuts, summary: full });
    }
  });

  it('reads a compressed module that arrived in pieces', async () => {
    const gz = gzipSync(signed);
    const full = expected(await readModule(gz, { fileName: 'acme.ko.gz' }));
    expect(full.compression).toBe('gzip');
    const summary = await readModuleSummary(cut(gz, [3, 10, gz.length - 5]), {
      fileName: 'acme.ko.gz',
    });
    expect(summary).toEqual(full);
  });

  it('reports damage as readModule does, in pieces, without throwing or over-allocating', async () => {
    const n = signed.length;
    const regions = [
      { name: 'ELF header', start: 0, end: 64 },
      { name: 'section headers', start: layout.shoff, end: layout.bytes.length },
      { name: 'signature tail', start: n - 300, end: n },
    ];
    const rand = prng(7);
    for (let i = 0; i < 500; i++) {
      const m = mutate(signed, regions, rand);
      const full = expected(await readModule(m.bytes));
      const at = Math.floor(rand() * m.bytes.length);
      resetAllocationProbe();
      const summary = await readModuleSummary(cut(m.bytes, at > 0 ? [at] : []));
      expect(allocationProbe.largest).toBeLessThanOrEqual(m.bytes.length);
      expect({ i, what: m.what, summary: plain(summary) }).toEqual({
        i,
        what: m.what,
        summary: plain(full),
      });
    }
  });
});
