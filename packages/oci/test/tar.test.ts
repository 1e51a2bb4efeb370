import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexTarFile } from '../src/tar/index-file';
import { readTarStream, WHOLE_FILE_SIZE } from '../src/tar/stream-reader';
import type { TarHeader } from '../src/tar/header';
import { packTar } from './helpers/tar-bytes';

async function read(tar: Buffer, chunkSize: number, want: (h: TarHeader) => boolean = () => true) {
  const seen: { name: string; type: string; content?: string; linkname: string }[] = [];
  const chunks = async function* () {
    for (let i = 0; i < tar.length; i += chunkSize) yield tar.subarray(i, i + chunkSize);
  };
  await readTarStream(
    chunks(),
    {
      wants: want,
      entry: (h, c) =>
        void seen.push({
          name: h.name,
          type: h.type,
          linkname: h.linkname,
          ...(c ? { content: Buffer.concat(c).toString() } : {}),
        }),
    },
    'test tar',
  );
  return seen;
}

describe('readTarStream', () => {
  const longName = `${'deep/'.repeat(30)}module.ko`;
  const entries = [
    { name: 'etc/', type: 'directory' as const },
    { name: 'etc/hello', content: 'hello world' },
    { name: longName, content: 'x'.repeat(1500) },
    { name: 'lib', type: 'symlink' as const, linkname: `${'t'.repeat(120)}/usr/lib` },
    { name: 'empty', content: '' },
  ];

  it.each([1, 7, 512, 513, 65536])(
    'reads names, long (PAX) names, link targets and content in %i-byte chunks',
    async (size) => {
      const seen = await read(await packTar(entries), size);
      expect(seen.map((s) => s.name)).toEqual(['etc/', 'etc/hello', longName, 'lib', 'empty']);
      expect(seen[1]?.content).toBe('hello world');
      expect(seen[2]?.content).toHaveLength(1500);
      expect(seen[3]).toMatchObject({ type: 'symlink', linkname: `${'t'.repeat(120)}/usr/lib` });
      expect(seen[4]?.content).toBe('');
    },
  );

  it('skips the content of entries not wanted', async () => {
    const seen = await read(await packTar(entries), 4096, (h) => h.name === 'etc/hello');
    expect(seen.filter((s) => s.content !== undefined).map((s) => s.name)).toEqual(['etc/hello']);
  });

  it('fails on a truncated archive and on a corrupt header', async () => {
    const tar = await packTar(entries);
    await expect(read(tar.subarray(0, 1200), 512)).rejects.toThrow('truncated');
    const bad = Buffer.from(tar);
    bad[10] = 0x41;
    await expect(read(bad, 512)).rejects.toThrow('corrupt tar header');
  });

  it('names the offset of a corrupt header and the member before it, in any chunking', async () => {
    const tar = await packTar(entries);
    const bad = Buffer.from(tar);
    // the second header: after the first entry's header and its content, padded to blocks
    const second = 512 + Math.ceil(Buffer.byteLength(entries[0]?.content ?? '') / 512) * 512;
    bad.writeUInt8(bad.readUInt8(second + 1) ^ 0x20, second + 1);
    for (const chunk of [512, 700, 4096, 1 << 20]) {
      await expect(read(bad, chunk)).rejects.toThrow(
        `corrupt tar header at byte ${second}, the member header after '${entries[0]?.name}' (invalid tar header checksum): the layer is not a valid tar; rebuild the image, or re-create its archive with docker save or skopeo copy`,
      );
    }
  });

  it('hands a file of WHOLE_FILE_SIZE or more over as one buffer, the same bytes in any chunking', async () => {
    const big = Buffer.alloc(WHOLE_FILE_SIZE + 4097);
    for (let i = 0; i + 4 <= big.length; i += 4096) big.writeUInt32LE(i, i);
    const tar = await packTar([
      { name: 'small', content: 'x'.repeat(3000) },
      { name: 'usr/install/amd64/vmlinuz.efi', content: big },
      { name: 'after', content: 'tail' },
    ]);
    for (const size of [65536, 1000003]) {
      const pieces: { name: string; count: number; content: Buffer }[] = [];
      const chunks = async function* () {
        for (let i = 0; i < tar.length; i += size) yield tar.subarray(i, i + size);
      };
      await readTarStream(
        chunks(),
        {
          wants: () => true,
          entry: (h, c) =>
            void pieces.push({
              name: h.name,
              count: c?.length ?? 0,
              content: Buffer.concat(c ?? []),
            }),
        },
        'test tar',
      );
      expect(pieces.map((p) => [p.name, p.count])).toEqual([
        ['small', 1],
        ['usr/install/amd64/vmlinuz.efi', 1],
        ['after', 1],
      ]);
      expect(pieces[1]?.content.equals(big)).toBe(true);
      expect(pieces[2]?.content.toString()).toBe('tail');
    }
  });
});

describe('indexTarFile', () => {
  it('reads a whole member, or its first bytes, and never past its end', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tar-index-')), 'members.tar');
    writeFileSync(
      path,
      await packTar([
        { name: 'a', content: 'first' },
        { name: 'b', content: 'second member' },
      ]),
    );
    const tar = await indexTarFile(path, 'test archive');
    expect((await tar.readBytes('b')).toString()).toBe('second member');
    expect((await tar.readBytes('b', 6)).toString()).toBe('second');
    expect((await tar.readBytes('a', 64)).toString()).toBe('first');
    expect((await tar.readBytes('a', 0)).length).toBe(0);
  });
});
