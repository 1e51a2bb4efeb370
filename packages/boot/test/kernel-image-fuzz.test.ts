/**
 * Fuzzing readKernelImage: thousands of deterministic mutations (bit flips, overwritten integers,
 * cuts) of the setup header, the zboot header, the payload's start and end (where the size is),
 * the PE section table of a UKI, and the certificate lists with their size words (an ELF vmlinux
 * and a raw arm64 Image holding system_certificate_list, an extra-certificate area, a revocation
 * list and a decoy). Every input must resolve to a
 * KernelImage or reject with KernelImageError (never another error), and memory stays bounded
 * whatever sizes a header claims.
 */
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { KernelImageError, readKernelImage } from '@talos-kmod/boot';
import {
  makeArm64Image,
  makeBzImage,
  makeCertificate,
  makeVmlinux,
  makeUki,
  makeZboot,
  type KernelCompression,
} from '../../../test/support/kernel-images';
import {
  fuzzIterations,
  fuzzSeed,
  mutate,
  prng,
  type Region,
} from '../../kmod/test/helpers/mutate';

jest.setTimeout(600_000 * fuzzIterations(1));

const ITERATIONS = fuzzIterations(800); // per input; 8 inputs
const LIMITS = { maxKernelSize: 4 << 20 };
const release = '6.18.45-talos';
let inputs: { name: string; bytes: Uint8Array; regions: Region[]; trusted?: number }[] = [];

/** The certificate lists of `bytes`: from the first certificate to past the revocation list's size word. */
function listRegions(bytes: Uint8Array, first: Uint8Array, last: Uint8Array): Region[] {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = view.indexOf(Buffer.from(first));
  const lastAt = view.indexOf(Buffer.from(last));
  if (start < 0 || lastAt < 0) throw new Error('certificate lists not found in the test kernel');
  const end = Math.min(bytes.length, lastAt + last.length + 512);
  return [
    { name: 'certificate lists', start, end },
    { name: 'list size words', start: Math.max(start, end - 1024), end },
  ];
}

function payloadRegions(bytes: Uint8Array, start: number, length: number): Region[] {
  return [
    { name: 'payload start', start, end: Math.min(start + 64, bytes.length) },
    { name: 'payload end', start: start + length - 16, end: start + length },
    { name: 'payload body', start, end: start + length },
  ];
}

function bz(kind: KernelCompression, certificates: Uint8Array[]) {
  const bytes = makeBzImage({ release, certificates, padding: 32 * 1024 }, kind);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = 5 * 512 + view.readUInt32LE(0x248);
  return {
    name: `${kind} bzImage`,
    bytes,
    regions: [
      { name: 'setup header', start: 0x1f0, end: 0x260 },
      ...payloadRegions(bytes, start, view.readUInt32LE(0x24c)),
    ],
  };
}

beforeAll(() => {
  const cert = makeCertificate().der;
  const zboot = makeZboot({ release, certificates: [cert], padding: 32 * 1024 }, 'zstd');
  const zview = Buffer.from(zboot.buffer, zboot.byteOffset, zboot.byteLength);
  const uki = makeUki({ linux: bz('lz4', [cert]).bytes, uname: release, cmdline: 'console=ttyS0' });
  const ukiView = Buffer.from(uki.buffer, uki.byteOffset, uki.byteLength);
  const pe = ukiView.readUInt32LE(0x3c);
  const table = pe + 24 + ukiView.readUInt16LE(pe + 20);
  const extra = makeCertificate({ commonName: 'Extra', key: 'ec' }).der;
  const revoked = makeCertificate({ commonName: 'Revoked' }).der;
  const decoy = makeCertificate({ commonName: 'Decoy' }).der;
  const lists = {
    release,
    certificates: [cert, extra],
    revoked: [revoked],
    decoys: [decoy],
    padding: 16 * 1024,
  };
  const vmlinux = makeVmlinux({ ...lists, extraCertificateSize: 1024 });
  const image = makeArm64Image({ ...lists, wordSize: 4 });
  inputs = [
    {
      name: 'ELF vmlinux',
      bytes: vmlinux,
      regions: listRegions(vmlinux, cert, revoked),
      trusted: 2,
    },
    {
      name: 'arm64 Image',
      bytes: image,
      regions: [{ name: 'Image header', start: 0, end: 64 }, ...listRegions(image, cert, decoy)],
      trusted: 2,
    },
    bz('zstd', [cert]),
    bz('xz', [cert]),
    bz('lz4', [cert]),
    bz('gzip', [cert]),
    {
      name: 'zstd zboot',
      bytes: zboot,
      regions: [
        { name: 'zboot header', start: 0, end: 64 },
        ...payloadRegions(zboot, zview.readUInt32LE(8), zview.readUInt32LE(12)),
      ],
    },
    {
      name: 'UKI',
      bytes: uki,
      regions: [
        { name: 'PE headers', start: 0x3c, end: table },
        { name: 'section table', start: table, end: table + 40 * ukiView.readUInt16LE(pe + 6) },
      ],
    },
  ];
});

describe('fuzzing readKernelImage', () => {
  it(`survives ${ITERATIONS} mutations of each kernel layout with KernelImageError or a result`, async () => {
    const outcomes = new Map<string, number>();
    let peak = 0;
    for (const [n, input] of inputs.entries()) {
      const original = await readKernelImage(input.bytes, LIMITS);
      expect(original.certificates).toHaveLength(input.trusted ?? 1);
      const rand = prng(fuzzSeed(0xc0ffee + n));
      for (let i = 0; i < ITERATIONS; i++) {
        const m = mutate(input.bytes, input.regions, rand);
        try {
          const k = await readKernelImage(m.bytes, LIMITS);
          expect(k.kernelSize).toBeLessThanOrEqual(LIMITS.maxKernelSize);
          const located = k.certificateList.rule !== 'not-located';
          outcomes.set(
            `list ${k.certificateList.rule}`,
            (outcomes.get(`list ${k.certificateList.rule}`) ?? 0) + 1,
          );
          // a certificate is trusted or other, never both
          const trusted = new Set(k.certificates.map((c) => c.sha256Fingerprint));
          if (located)
            expect(k.otherCertificates.filter((c) => trusted.has(c.sha256Fingerprint))).toEqual([]);
          outcomes.set('read', (outcomes.get('read') ?? 0) + 1);
        } catch (e: unknown) {
          if (!(e instanceof KernelImageError)) {
            throw new Error(`${input.name} mutation ${i} (${m.what}) threw ${String(e)}`);
          }
          const key = e.message.replace(/\d+/g, 'N').slice(0, 90);
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        }
        if (i % 50 === 0) {
          const usage = process.memoryUsage();
          peak = Math.max(peak, usage.heapUsed + usage.arrayBuffers);
        }
      }
    }
    // Whatever sizes the headers claimed, nothing near them was allocated.
    expect(peak).toBeLessThan(512 << 20);
    // The mutations reached the header checks, the decoders and the UKI reader.
    const all = [...outcomes.keys()].join('\n');
    for (const fragment of ['read', 'truncated', 'cannot be decompressed', 'list not-located'])
      expect(all).toContain(fragment);
  });
});
