/**
 * Fuzz-style robustness of the initramfs and squashfs readers: thousands of deterministic
 * mutations of real files (made by mksquashfs, cpio and the real compressors), aimed at each
 * structure (superblock, inode, directory, fragment and id tables, data blocks; cpio headers,
 * names, bodies and each compressed segment). Nothing may throw except the documented
 * SquashfsReadError, no message may come from a missed bounds check, and with tight limits the
 * process's memory stays bounded whatever a header claims.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { openSquashfs, SquashfsReadError, walkInitramfs } from '@talos-kmod/boot';
import {
  bytesOf,
  compress,
  concat,
  cpioArchive,
  mksquashfs,
  scratch,
  writeTree,
} from './helpers/boot-fixtures';
import {
  fuzzIterations,
  fuzzSeed,
  INTERNAL_ERROR,
  mutate,
  prng,
  type Region,
} from '../../../test/support/fuzz-mutate';

jest.setTimeout(15 * 60_000 * fuzzIterations(1));

const dir = scratch('fuzz');
const SQUASHFS_ITERATIONS = fuzzIterations(600);
const INITRAMFS_ITERATIONS = fuzzIterations(1500);
/** Far above what a mutated small input may legitimately need with the limits below. */
const RSS_BOUND = 1536 * 1024 * 1024;

const squashfsLimits = {
  maxEntries: 5000,
  maxMetadataSize: 8 * 1024 * 1024,
  maxFileSize: 4 * 1024 * 1024,
  maxTotalOutput: 32 * 1024 * 1024,
  maxDepth: 64,
};

beforeAll(() => {
  const spec: Parameters<typeof writeTree>[1] = {
    'usr/lib/modules/6.12.6-talos/extras/a.ko': bytesOf(300_000, 1),
    'usr/lib/modules/6.12.6-talos/extras/b.ko': bytesOf(5_000, 2),
    'usr/lib/modules/6.12.6-talos/modules.dep': 'extras/a.ko:\nextras/b.ko: extras/a.ko\n',
    'usr/local/etc/link': { symlink: '../../lib/modules' },
    'usr/local/etc/hard': { hardlink: 'usr/lib/modules/6.12.6-talos/extras/b.ko' },
    empty: '',
    sparse: { sparse: 200_000 },
  };
  for (let i = 0; i < 300; i++) spec[`many/entry-with-a-long-name-${i}`] = `${i}\n`;
  writeTree(join(dir, 'src'), spec);
});

/** The regions of a squashfs image, from its own superblock. */
function squashfsRegions(bytes: Buffer): Region[] {
  const at = (o: number) => Number(bytes.readBigUInt64LE(o));
  const inodes = at(64);
  const dirs = at(72);
  const used = at(40);
  return [
    { name: 'superblock', start: 0, end: 96 },
    { name: 'data and fragments', start: 96, end: inodes },
    { name: 'inode table', start: inodes, end: dirs },
    { name: 'directory table', start: dirs, end: Math.min(used, dirs + 16384) },
    { name: 'fragment, id and xattr tables', start: Math.max(dirs, used - 256), end: used },
  ];
}

describe('fuzzing openSquashfs', () => {
  it.each([
    ['zstd', ['-comp', 'zstd']],
    ['xz', ['-comp', 'xz']],
    ['gzip', ['-comp', 'gzip']],
    ['lz4', ['-comp', 'lz4']],
    ['uncompressed', ['-noI', '-noD', '-noF', '-noX']],
  ])(
    `survives ${SQUASHFS_ITERATIONS} mutations of a %s image: no throw but SquashfsReadError, bounded memory`,
    async (name, args) => {
      const bytes = mksquashfs(join(dir, 'src'), join(dir, `${name}.sqsh`), args);
      const regions = squashfsRegions(bytes);
      const rand = prng(fuzzSeed(0x5eed + name.length));
      let peak = 0;
      const outcomes = { opened: 0, refused: 0, readErrors: 0 };
      for (let i = 0; i < SQUASHFS_ITERATIONS; i++) {
        const m = mutate(bytes, regions, rand);
        const messages: string[] = [];
        try {
          const { image, problems } = await openSquashfs(m.bytes, squashfsLimits);
          messages.push(...problems);
          if (image) outcomes.opened++;
          else outcomes.refused++;
          for (const entry of image?.walk() ?? []) {
            image?.list(entry.path);
            if (entry.type !== 'file') continue;
            try {
              await image?.readFile(entry.path);
            } catch (e: unknown) {
              if (!(e instanceof SquashfsReadError)) throw e;
              outcomes.readErrors++;
              messages.push(e.message);
            }
          }
        } catch (e: unknown) {
          throw new Error(`mutation ${i} (${m.what}) threw: ${String(e)}`);
        }
        const internal = messages.filter((p) => INTERNAL_ERROR.test(p));
        expect({ i, what: m.what, internal }).toEqual({ i, what: m.what, internal: [] });
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      expect(peak).toBeLessThan(RSS_BOUND);
      // The mutations reach past the superblock: some images open, some are refused.
      expect(outcomes.opened).toBeGreaterThan(0);
      expect(outcomes.refused).toBeGreaterThan(0);
    },
  );
});

describe('fuzzing walkInitramfs', () => {
  it(`survives ${INITRAMFS_ITERATIONS} mutations of a concatenated initramfs without throwing`, async () => {
    writeTree(join(dir, 'main'), {
      init: bytesOf(50_000, 3),
      'dev/console': '',
      'bin/sh': { symlink: '/init' },
      'lib/a': bytesOf(3000, 4),
      'lib/b': { hardlink: 'lib/a' },
    });
    writeTree(join(dir, 'appended'), {
      'extensions.yaml': 'layers:\n  - image: 0.sqsh\n',
      '0.sqsh': bytesOf(20_000, 5),
    });
    const plain = cpioArchive(join(dir, 'appended'));
    const main = cpioArchive(join(dir, 'main'));
    const pieces = [
      plain,
      compress('zstd', main),
      compress('xz', main),
      compress('gzip', main),
      compress('lz4', main),
    ];
    const { bytes, offsets } = concat(pieces);
    const regions: Region[] = pieces.map((p, k) => ({
      name: `segment ${k}`,
      start: offsets[k] ?? 0,
      end: (offsets[k] ?? 0) + Math.min(p.length, 512),
    }));
    regions.push({ name: 'plain cpio', start: 0, end: plain.length });
    regions.push({ name: 'plain cpio headers', start: 0, end: 400 });
    const rand = prng(fuzzSeed(0xc910));
    let peak = 0;
    let clean = 0;
    for (let i = 0; i < INITRAMFS_ITERATIONS; i++) {
      const m = mutate(bytes, regions, rand);
      let result;
      try {
        result = await walkInitramfs(m.bytes, {
          want: () => true,
          maxSegmentSize: 16 * 1024 * 1024,
          maxTotalSize: 64 * 1024 * 1024,
          maxFileSize: 4 * 1024 * 1024,
          maxEntries: 5000,
        });
      } catch (e: unknown) {
        throw new Error(`mutation ${i} (${m.what}) threw: ${String(e)}`);
      }
      const internal = result.problems.filter((p) => INTERNAL_ERROR.test(p));
      expect({ i, what: m.what, internal }).toEqual({ i, what: m.what, internal: [] });
      if (result.problems.length === 0) clean++;
      for (const [path, content] of result.files) {
        if (content.length > 4 * 1024 * 1024) throw new Error(`${path} passed maxFileSize`);
      }
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(peak).toBeLessThan(RSS_BOUND);
    // Some mutations (bodies, padding) leave a readable initramfs, most do not.
    expect(clean).toBeGreaterThan(0);
    expect(clean).toBeLessThan(INITRAMFS_ITERATIONS);
  });
});
