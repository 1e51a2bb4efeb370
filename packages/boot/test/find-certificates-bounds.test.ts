/**
 * The certificate scan's work is bounded on hostile kernels: copies of one certificate are parsed
 * once (each parse costs about a millisecond of CPU and a few KiB kept), and candidates that fail to
 * parse stop the scan at a fixed count, which the reader reports as a problem. Work is counted
 * (`parses`), never timed.
 */
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readKernelImage } from '@talos-kmod/boot';
import { findCertificates } from '../src/kernel/find-certificates';
import { makeArm64Image, makeCertificate } from '../../../test/support/kernel-images';

jest.setTimeout(180_000);

let der: Buffer;
let other: Buffer;

beforeAll(() => {
  der = Buffer.from(makeCertificate({ commonName: 'Copied key', key: 'ec' }).der);
  other = Buffer.from(makeCertificate({ commonName: 'Last key', key: 'ec' }).der);
});

/** `count` copies of `piece`, each followed by one non-zero byte (no run, no size word). */
function copies(piece: Uint8Array, count: number): Buffer {
  const out = Buffer.alloc(count * (piece.length + 1), 0x11);
  for (let i = 0; i < count; i++) out.set(piece, i * (piece.length + 1));
  return out;
}

/** A candidate (`30 82 len 30 82`) that no X.509 parser accepts. */
const junk = Buffer.from([0x30, 0x82, 0x00, 0x04, 0x30, 0x82, 0x00, 0x00]);

describe('findCertificates on hostile kernels', () => {
  it('parses 20,000 copies of one certificate once', () => {
    const found = findCertificates(Buffer.concat([copies(der, 20_000), other]), 64);
    expect(found.parses).toBe(2);
    expect(found.candidates).toBe(20_001);
    expect(found.truncated).toBe(false);
    expect(found.trusted.map((c) => c.commonName)).toEqual(['Copied key', 'Last key']);
  });

  it('stops after a bounded number of parses of junk candidates, and says so', () => {
    const found = findCertificates(Buffer.concat([copies(junk, 10_000), der]), 64);
    expect(found.truncated).toBe(true);
    expect(found.parses).toBeLessThan(10_000);
    expect(found.trusted).toEqual([]);
    const fine = findCertificates(Buffer.concat([copies(junk, 100), der]), 64);
    expect(fine).toMatchObject({ truncated: false, parses: 101 });
    expect(fine.trusted.map((c) => c.commonName)).toEqual(['Copied key']);
  });

  it('stops at a certificate past the max distinct ones, and says so', () => {
    const both = Buffer.concat([der, Buffer.from([0x11]), other]);
    expect(findCertificates(both, 2)).toMatchObject({ truncated: false, parses: 2 });
    const cut = findCertificates(both, 1);
    expect(cut.truncated).toBe(true);
    expect(cut.trusted.map((c) => c.commonName)).toEqual(['Copied key']);
  });

  it('names the stopped scan among the kernel problems', async () => {
    const image = makeArm64Image({ release: '6.18.45-talos', certificates: [der] });
    // the code before the certificate lists becomes junk candidates (raw Image: no sections)
    copies(junk, 10_000).copy(image, 0x1000);
    const k = await readKernelImage(image);
    expect(k.problems).toContainEqual(
      expect.stringMatching(/^certificate scan of the whole kernel stopped after \d+ candidates/),
    );
  });
});
