/**
 * openSquashfs against images made by the real mksquashfs (each compressor, Talos' own flags,
 * fragments on and off, long directories, nesting, symlinks, hard links, sparse and multi-block
 * files, owners), with unsquashfs as the oracle for the listing and for every file's content.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { openSquashfs, SquashfsReadError, type SquashfsImage } from '@talos-kmod/boot';
import {
  bytesOf,
  mksquashfs,
  permString,
  scratch,
  unsquashfsCat,
  unsquashfsExtract,
  unsquashfsList,
  writeTree,
  type TreeSpec,
} from './helpers/boot-fixtures';

jest.setTimeout(180_000);

const dir = scratch('squashfs');
const source = join(dir, 'src');

const TYPE_CHAR: Record<string, string> = {
  file: '-',
  directory: 'd',
  symlink: 'l',
  'block-device': 'b',
  'char-device': 'c',
  fifo: 'p',
  socket: 's',
};

function tree(): TreeSpec {
  const spec: TreeSpec = {
    'usr/lib/modules/6.12.6-talos/extras/hello.ko': bytesOf(70_000, 1),
    'usr/lib/modules/6.12.6-talos/extras/big.ko': bytesOf(700_000, 2, false),
    'usr/lib/modules/6.12.6-talos/extras/exact.bin': bytesOf(131_072 * 2, 3),
    'usr/local/lib/containers/x/empty': '',
    'usr/local/etc/tiny.conf': 'a=1\n',
    'a/b/c/d/e/f/g/h/deep.txt': 'deep\n',
    'rel-link': { symlink: 'usr/local/etc/tiny.conf' },
    'abs-link': { symlink: '/usr/lib/modules/6.12.6-talos' },
    'dangling-link': { symlink: 'nowhere/at/all' },
    'usr/local/etc/hard': { hardlink: 'usr/local/etc/tiny.conf' },
    sparse: { sparse: 3 * 131_072 + 1000 },
    'owned/by-1000': { content: 'mine\n', mode: 0o640, uid: 1000, gid: 1001 },
    'owned/setuid': { content: bytesOf(10, 4), mode: 0o4755 },
    'owned/sticky-dir/x': 'x',
  };
  // A directory of more than 256 entries (several directory headers, an extended directory
  // inode with an index) with long names.
  for (let i = 0; i < 700; i++) {
    const name = `module-with-a-rather-long-file-name-to-fill-directory-blocks-${String(i).padStart(4, '0')}.ko`;
    spec[`usr/lib/modules/6.12.6-talos/kernel/many/${name}`] = bytesOf(
      200 + (i % 50) * 37,
      100 + i,
    );
  }
  return spec;
}

beforeAll(() => {
  writeTree(source, tree());
});

/** Checks the image against unsquashfs: the same entries, and every file's bytes. */
async function expectMatchesOracle(imagePath: string, image: SquashfsImage): Promise<void> {
  const oracle = unsquashfsList(imagePath);
  const ours = [...image.walk()].map((e) => {
    const o: Record<string, unknown> = {
      path: e.path,
      kind: TYPE_CHAR[e.type],
      perms: permString(e.mode),
      uid: e.uid,
      gid: e.gid,
      size: e.type === 'file' || e.type === 'symlink' ? e.size : 0,
    };
    if (e.target !== undefined) o.target = e.target;
    return o;
  });
  const oracleCmp = oracle.map((o) => ({
    ...o,
    size: o.kind === '-' || o.kind === 'l' ? o.size : 0,
  }));
  expect(ours.sort(byPath)).toEqual(oracleCmp.sort(byPath));

  const extracted = unsquashfsExtract(
    imagePath,
    join(dir, `x-${Math.random().toString(36).slice(2)}`),
  );
  for (const e of image.walk()) {
    if (e.type !== 'file') continue;
    const mine = await image.readFile(e.path);
    const theirs = readFileSync(join(extracted, e.path));
    if (!Buffer.from(mine).equals(theirs)) throw new Error(`${e.path} differs from unsquashfs`);
  }
}

function byPath(a: { path?: unknown }, b: { path?: unknown }): number {
  return String(a.path) < String(b.path) ? -1 : String(a.path) > String(b.path) ? 1 : 0;
}

describe('openSquashfs on images made by mksquashfs', () => {
  it.each([
    ['gzip', ['-comp', 'gzip']],
    ['xz as Talos < 1.8 makes it', ['-comp', 'xz', '-Xdict-size', '100%', '-all-root']],
    ['xz with the x86 BCJ filter', ['-comp', 'xz', '-Xbcj', 'x86']],
    ['lz4', ['-comp', 'lz4']],
    ['lz4 high compression', ['-comp', 'lz4', '-Xhc']],
    ['zstd as Talos makes it', ['-comp', 'zstd', '-Xcompression-level', '18', '-all-root']],
    ['zstd without fragments', ['-comp', 'zstd', '-no-fragments']],
    ['zstd with every tail in a fragment', ['-comp', 'zstd', '-always-use-fragments']],
    ['zstd with 4 KiB blocks', ['-comp', 'zstd', '-b', '4K']],
    ['zstd with 1 MiB blocks', ['-comp', 'zstd', '-b', '1M']],
    ['nothing compressed', ['-noI', '-noD', '-noF', '-noX']],
  ])('lists and reads every entry of a %s image exactly as unsquashfs does', async (name, args) => {
    const path = join(dir, `${name.replace(/\W+/g, '-')}.sqsh`);
    const bytes = mksquashfs(source, path, args);
    const { image, problems } = await openSquashfs(bytes);
    expect(problems).toEqual([]);
    if (!image) throw new Error('no image');
    await expectMatchesOracle(path, image);
  });

  it('answers lookup, list and readFileChunks for paths given either way', async () => {
    const path = join(dir, 'api.sqsh');
    const { image } = await openSquashfs(mksquashfs(source, path, ['-comp', 'zstd']));
    if (!image) throw new Error('no image');
    expect(image.lookup('/rel-link')).toMatchObject({
      type: 'symlink',
      target: 'usr/local/etc/tiny.conf',
    });
    expect(image.lookup('./usr/local/etc/')?.type).toBe('directory');
    expect(image.lookup('/')?.path).toBe('.');
    expect(image.lookup('usr/nothing')).toBeUndefined();
    expect(image.list('usr/local/etc')?.map((e) => e.name)).toEqual(['hard', 'tiny.conf']);
    expect(image.list('rel-link')).toBeUndefined();
    expect(image.list('/')?.map((e) => e.name)).toContain('usr');
    expect(image.lookup('usr/local/etc/hard')?.nlink).toBe(2);
    expect(image.lookup('owned/by-1000')).toMatchObject({ uid: 1000, gid: 1001, mode: 0o100640 });
    expect(image.list('usr/lib/modules/6.12.6-talos/kernel/many')).toHaveLength(700);

    const chunks: Uint8Array[] = [];
    for await (const c of image.readFileChunks('usr/lib/modules/6.12.6-talos/extras/big.ko')) {
      chunks.push(c);
    }
    expect(chunks.map((c) => c.length)).toEqual([131072, 131072, 131072, 131072, 131072, 44640]);
    expect(Buffer.concat(chunks)).toEqual(
      unsquashfsCat(path, 'usr/lib/modules/6.12.6-talos/extras/big.ko'),
    );
    await expect(image.readFile('usr')).rejects.toThrow(SquashfsReadError);
    await expect(image.readFile('no/such')).rejects.toThrow(/not in the squashfs image/);
  });

  it('refuses to read a file over maxFileSize but still lists it', async () => {
    const path = join(dir, 'limit.sqsh');
    const { image } = await openSquashfs(mksquashfs(source, path, ['-comp', 'zstd']), {
      maxFileSize: 100_000,
    });
    if (!image) throw new Error('no image');
    expect(image.lookup('usr/lib/modules/6.12.6-talos/extras/big.ko')?.size).toBe(700_000);
    await expect(image.readFile('usr/lib/modules/6.12.6-talos/extras/big.ko')).rejects.toThrow(
      /700000 bytes, more than the 100000-byte limit \(maxFileSize\)/,
    );
    expect((await image.readFile('usr/local/etc/tiny.conf')).length).toBe(4);
  });

  it('stops at maxTotalOutput over all reads of an image', async () => {
    const path = join(dir, 'total.sqsh');
    const { image } = await openSquashfs(mksquashfs(source, path, ['-comp', 'zstd']), {
      maxTotalOutput: 1_000_000,
    });
    if (!image) throw new Error('no image');
    await image.readFile('usr/lib/modules/6.12.6-talos/extras/big.ko');
    await expect(image.readFile('usr/lib/modules/6.12.6-talos/extras/big.ko')).rejects.toThrow(
      /maxTotalOutput/,
    );
  });

  it('lists up to maxEntries and says it stopped', async () => {
    const path = join(dir, 'entries.sqsh');
    const { image, problems } = await openSquashfs(mksquashfs(source, path, ['-comp', 'gzip']), {
      maxEntries: 50,
    });
    expect(problems).toEqual([expect.stringMatching(/more than 50 entries \(maxEntries\)/)]);
    expect([...(image?.walk() ?? [])].length).toBe(50);
  });

  it('names lzo as unsupported with the flag to rebuild with', async () => {
    const bytes = mksquashfs(source, join(dir, 'lzo.sqsh'), ['-comp', 'lzo']);
    const { image, problems } = await openSquashfs(bytes);
    expect(image).toBeUndefined();
    expect(problems).toEqual([expect.stringMatching(/lzo is not supported.*-comp zstd/)]);
  });

  it('says what is wrong with a truncated image, a non-image and an empty input', async () => {
    const bytes = mksquashfs(source, join(dir, 'trunc.sqsh'), ['-comp', 'zstd']);
    expect((await openSquashfs(bytes.subarray(0, bytes.length - 5000))).problems).toEqual([
      expect.stringMatching(/truncated: its superblock says \d+ bytes, only \d+ are here/),
    ]);
    expect((await openSquashfs(Buffer.from('070701000000'))).problems).toEqual([
      expect.stringMatching(/too short for a squashfs superblock/),
    ]);
    expect((await openSquashfs(Buffer.alloc(4096))).problems).toEqual([
      expect.stringMatching(/no squashfs magic/),
    ]);
  });

  it('refuses a directory that contains its own ancestor (a cycle) and reads the rest', async () => {
    const cyc = join(dir, 'cycle-src');
    writeTree(cyc, { 'sub/loop/file': 'x', 'sub/ok': 'ok' });
    const path = join(dir, 'cycle.sqsh');
    const bytes = Buffer.from(mksquashfs(cyc, path, ['-noI', '-noD', '-noF', '-noX']));
    // Point the entry "loop" at the root inode. Uncompressed tables let us patch in place.
    const root = Number(bytes.readBigUInt64LE(32));
    const dirTable = Number(bytes.readBigUInt64LE(72));
    const at = bytes.indexOf(Buffer.from('loop'), dirTable);
    // The entry header (offset u16, inode delta s16, type u16, name size u16) precedes the name.
    bytes.writeUInt16LE(root % 65536, at - 8);
    // Its run header's block must be the root's block too: in this tiny image both are 0.
    expect(Math.floor(root / 65536)).toBe(0);
    writeFileSync(path, bytes);
    const { image, problems } = await openSquashfs(bytes);
    expect(problems).toEqual([
      'sub/loop is a directory already reached elsewhere (a cycle): not followed',
    ]);
    expect(image?.list('sub')?.map((e) => e.name)).toEqual(['loop', 'ok']);
    expect(image?.list('sub/loop')).toEqual([]);
    expect(Buffer.from((await image?.readFile('sub/ok')) ?? [])).toEqual(Buffer.from('ok'));
  });
});
