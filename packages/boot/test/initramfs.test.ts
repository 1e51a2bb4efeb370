/**
 * walkInitramfs against initramfs files made the way kernels and Talos make them: an uncompressed
 * early-microcode cpio, the main archive compressed, and an appended compressed archive with
 * extensions.yaml and squashfs images, all by the real cpio (-H newc), zstd, xz, gzip and lz4 -l.
 * `cpio -t` on each piece is the oracle for the member list.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { openSquashfs, walkInitramfs } from '@talos-kmod/boot';
import {
  bytesOf,
  compress,
  concat,
  cpioArchive,
  cpioList,
  mksquashfs,
  scratch,
  writeTree,
} from './helpers/boot-fixtures';

jest.setTimeout(180_000);

const dir = scratch('initramfs');
const EXTENSIONS_YAML = [
  'layers:',
  '  - image: 0.sqsh',
  '    metadata:',
  '      name: hello-world',
  '      version: 1.0.0',
  '',
].join('\n');

let microcode: Buffer;
let main: Buffer;
let appended: Buffer;
let sqsh: Buffer;
const files: Record<string, Buffer> = {};

beforeAll(() => {
  files['kernel/x86/microcode/GenuineIntel.bin'] = bytesOf(20_000, 1, false);
  writeTree(join(dir, 'microcode'), {
    'kernel/x86/microcode/GenuineIntel.bin': files['kernel/x86/microcode/GenuineIntel.bin'],
  });
  files.init = bytesOf(300_000, 2);
  files['rootfs.sqsh'] = bytesOf(400_000, 3);
  writeTree(join(dir, 'main'), {
    init: files.init,
    'rootfs.sqsh': files['rootfs.sqsh'],
    'dev/.keep': '',
    'lib/firmware/hard-a': bytesOf(5000, 4),
    'lib/firmware/hard-b': { hardlink: 'lib/firmware/hard-a' },
    'bin/sh': { symlink: '/init' },
  });
  files['lib/firmware/hard-a'] = bytesOf(5000, 4);
  writeTree(join(dir, 'ext-src'), {
    'usr/lib/modules/6.12.6-talos/extras/hello.ko': bytesOf(40_000, 5),
  });
  sqsh = mksquashfs(join(dir, 'ext-src'), join(dir, '0.sqsh'), [
    '-comp',
    'zstd',
    '-Xcompression-level',
    '18',
    '-all-root',
  ]);
  writeTree(join(dir, 'appended'), {
    'extensions.yaml': EXTENSIONS_YAML,
    '0.sqsh': sqsh,
    'modules.dep.sqsh': sqsh,
  });
  microcode = cpioArchive(join(dir, 'microcode'));
  const trailerEnd = microcode.lastIndexOf('TRAILER!!!\0') + 11;
  plainSize = Math.ceil(trailerEnd / 4) * 4;
  main = cpioArchive(join(dir, 'main'));
  appended = cpioArchive(join(dir, 'appended'));
});

/**
 * A plain segment ends with its last member (the trailer, padded to 4 bytes); the zeros GNU cpio
 * pads its output with up to a 512-byte block lie between segments.
 */
let plainSize = 0;

const wanted = (p: string) => p.endsWith('.sqsh') || p === 'extensions.yaml' || p === 'init';

/** Entries as cpio -t lists each archive (in `segments` order), and the wanted files' bytes. */
async function expectContents(
  result: Awaited<ReturnType<typeof walkInitramfs>>,
  segments: number[],
): Promise<void> {
  const oracle = [microcode, main, appended].flatMap((a, i) =>
    cpioList(a).map((name) => ({ path: name, segment: segments[i] })),
  );
  expect(result.entries.map((e) => ({ path: e.path, segment: e.segment }))).toEqual(oracle);
  expect([...result.files.keys()].sort()).toEqual([
    '0.sqsh',
    'extensions.yaml',
    'init',
    'modules.dep.sqsh',
    'rootfs.sqsh',
  ]);
  expect(Buffer.from(result.files.get('init') ?? [])).toEqual(files.init);
  expect(Buffer.from(result.files.get('rootfs.sqsh') ?? [])).toEqual(files['rootfs.sqsh']);
  expect(Buffer.from(result.files.get('extensions.yaml') ?? []).toString()).toBe(EXTENSIONS_YAML);
  // The squashfs inside opens and reads.
  const { image } = await openSquashfs(result.files.get('0.sqsh') ?? new Uint8Array());
  expect((await image?.readFile('usr/lib/modules/6.12.6-talos/extras/hello.ko'))?.length).toBe(
    40_000,
  );
}

describe('walkInitramfs on initramfs files made by cpio and the real compressors', () => {
  it.each(['zstd', 'xz', 'gzip'] as const)(
    'splits microcode + %s main + appended archive as the kernel does and reads the wanted files',
    async (kind) => {
      const pieces = [microcode, compress(kind, main), compress(kind, appended)];
      const { bytes, offsets } = concat(pieces);
      const result = await walkInitramfs(bytes, { want: wanted });
      expect(result.problems).toEqual([]);
      expect(result.segments).toEqual([
        {
          offset: 0,
          compression: 'none',
          size: plainSize,
          decompressedSize: plainSize,
        },
        {
          offset: offsets[1],
          compression: kind,
          size: pieces[1]?.length,
          decompressedSize: main.length,
        },
        {
          offset: offsets[2],
          compression: kind,
          size: pieces[2]?.length,
          decompressedSize: appended.length,
        },
      ]);
      await expectContents(result, [0, 1, 2]);
    },
  );

  it('reads lz4 legacy archives to the end of the initramfs, as the kernel does', async () => {
    // lib/decompress_unlz4.c has no end marker to stop at: consecutive lz4 archives are one
    // stream, and it must be the last thing in the file.
    const lz4Main = compress('lz4', main);
    const lz4Appended = compress('lz4', appended);
    const { bytes, offsets } = concat([microcode, Buffer.concat([lz4Main, lz4Appended])]);
    const result = await walkInitramfs(bytes, { want: wanted });
    expect(result.problems).toEqual([]);
    expect(result.segments).toEqual([
      {
        offset: 0,
        compression: 'none',
        size: plainSize,
        decompressedSize: plainSize,
      },
      {
        offset: offsets[1],
        compression: 'lz4',
        size: lz4Main.length + lz4Appended.length,
        decompressedSize: main.length + appended.length,
      },
    ]);
    await expectContents(result, [0, 1, 1]);

    const after = concat([compress('lz4', main), compress('zstd', appended)]).bytes;
    expect((await walkInitramfs(after)).problems).toEqual([
      expect.stringMatching(/an lz4-compressed archive must be the last one/),
    ]);
  });

  it.each([
    ['zstd', ['zstd', '-T0', '-18', '-c', '--quiet']],
    ['xz', ['xz', '-C', 'crc32', '-0', '-e', '-T', '0', '-z', '--quiet', '-c']],
  ] as const)(
    'reads an initramfs with extensions appended as Talos imager does (%s, no padding)',
    async (kind, argv) => {
      // pkg/imager/extensions/rebuild.go pipes `cpio -H newc --create --reproducible -R +0:+0`
      // into these commands and appends the output right after the original initramfs.
      const [tool, ...args] = argv;
      const tail = execFileSync(tool, args, { input: appended, maxBuffer: 1 << 30 });
      const head = Buffer.concat([microcode, compress(kind, main)]);
      const result = await walkInitramfs(Buffer.concat([head, tail]), { want: wanted });
      expect(result.problems).toEqual([]);
      expect(result.segments.map((s) => [s.offset, s.compression])).toEqual([
        [0, 'none'],
        [microcode.length, kind],
        [head.length, kind],
      ]);
      await expectContents(result, [0, 1, 2]);
    },
  );

  it('gives each entry its type, mode, symlink target and hard-link content', async () => {
    const result = await walkInitramfs(main, { want: (p) => p.startsWith('lib/firmware/') });
    const byPath = new Map(result.entries.map((e) => [e.path, e]));
    expect(byPath.get('bin/sh')).toMatchObject({
      type: 'symlink',
      target: '/init',
      mode: 0o120777,
    });
    expect(byPath.get('dev')).toMatchObject({ type: 'directory', uid: 0 });
    expect(byPath.get('.')?.type).toBe('directory');
    // cpio stores a hard-link group's data once; both names get it, as the kernel links them.
    const a = result.files.get('lib/firmware/hard-a');
    const b = result.files.get('lib/firmware/hard-b');
    expect(Buffer.from(a ?? [])).toEqual(files['lib/firmware/hard-a']);
    expect(Buffer.from(b ?? [])).toEqual(files['lib/firmware/hard-a']);
  });

  it('calls onEntry for every member, with content only for wanted files', async () => {
    const seen: [string, number | undefined][] = [];
    await walkInitramfs(appended, {
      want: (p) => p === 'extensions.yaml',
      onEntry: (e, content) => seen.push([e.path, content?.length]),
    });
    expect(seen).toEqual([
      ['.', undefined],
      ['0.sqsh', undefined],
      ['extensions.yaml', EXTENSIONS_YAML.length],
      ['modules.dep.sqsh', undefined],
    ]);
  });

  it('reads from a file path and reads the crc (070702) format', async () => {
    const crc = cpioArchive(join(dir, 'appended'), 'crc');
    expect(crc.subarray(0, 6).toString()).toBe('070702');
    const path = join(dir, 'crc.cpio');
    writeFileSync(path, compress('zstd', crc));
    const result = await walkInitramfs(path, { want: (p) => p === 'extensions.yaml' });
    expect(result.problems).toEqual([]);
    expect(Buffer.from(result.files.get('extensions.yaml') ?? []).toString()).toBe(EXTENSIONS_YAML);
  });

  it('names the newc option for an archive in the old portable format', async () => {
    const odc = cpioArchive(join(dir, 'appended'), 'odc');
    const result = await walkInitramfs(compress('gzip', odc));
    expect(result.problems).toEqual([
      expect.stringMatching(/old portable format \(070707\).*cpio -H newc/),
    ]);
  });

  it('keeps what came before a truncated compressed segment and says where it stopped', async () => {
    const cut = compress('zstd', appended);
    const { bytes, offsets } = concat([
      microcode,
      compress('xz', main),
      cut.subarray(0, cut.length / 2),
    ]);
    const result = await walkInitramfs(bytes, { want: (p) => p === 'init' });
    expect(result.problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `^initramfs segment 2 at offset ${offsets[2]}: the zstd stream cannot be read: .*truncated`,
        ),
      ),
    ]);
    expect(result.files.get('init')?.length).toBe(300_000);
    expect(result.segments.map((s) => s.compression)).toEqual(['none', 'xz', 'zstd']);
  });

  it('stops at a plain archive that does not start 4-byte aligned, as the kernel does', async () => {
    const bytes = Buffer.concat([microcode, Buffer.alloc(2), appended]);
    const result = await walkInitramfs(bytes);
    expect(result.problems).toEqual([
      expect.stringMatching(/broken padding: data resumes at unaligned stream offset/),
    ]);
  });

  it('reports junk inside a compressed archive and an unknown magic between segments', async () => {
    const junk = await walkInitramfs(
      compress('gzip', Buffer.concat([appended, Buffer.from('JUNKJUNK')])),
    );
    expect(junk.problems).toEqual([expect.stringMatching(/junk within the compressed archive/)]);
    const magic = await walkInitramfs(Buffer.concat([microcode, Buffer.from('MZ\0\0garbage')]));
    expect(magic.problems).toEqual([
      expect.stringMatching(/invalid magic at initramfs offset \d+ \(bytes 4d 5a 00 00\)/),
    ]);
  });

  it('bounds entries, wanted file size and decompressed segment size', async () => {
    const many = await walkInitramfs(main, { maxEntries: 3 });
    expect(many.entries).toHaveLength(3);
    expect(many.problems).toEqual([expect.stringMatching(/more than 3 entries; raise maxEntries/)]);

    const big = await walkInitramfs(main, { want: () => true, maxFileSize: 100_000 });
    expect(big.files.has('init')).toBe(false);
    expect(big.files.has('lib/firmware/hard-a')).toBe(true);
    expect(big.problems).toEqual([
      expect.stringMatching(
        /^init is 300000 bytes, more than the 100000-byte limit \(maxFileSize\)/,
      ),
      expect.stringMatching(/^rootfs.sqsh is 400000 bytes/),
    ]);

    const bomb = compress('zstd', Buffer.alloc(64 * 1024 * 1024));
    const capped = await walkInitramfs(bomb, { maxSegmentSize: 1024 * 1024 });
    expect(capped.problems).toEqual([
      expect.stringMatching(/more than the 1048576-byte limit \(maxSegmentSize\)/),
    ]);
  });

  it('says so when the path cannot be read', async () => {
    const result = await walkInitramfs(join(dir, 'missing.img'));
    expect(result.problems).toEqual([expect.stringMatching(/^cannot read .*missing\.img: ENOENT/)]);
  });
});
