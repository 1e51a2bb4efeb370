/**
 * Hostile tar headers: sizes that are negative (octal `-1000` once parsed as −512 and sent the
 * index back over the same header forever), base-256 negatives, PAX sizes that are not integers,
 * members that end past the end of the file, oversized PAX records. The on-disk index and the
 * stream reader refuse each one with an error naming the byte offset, and always terminate.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { UserError } from '@talos-kmod/common';
import { openImage, parseImageSpec } from '@talos-kmod/oci';
import { indexTarFile } from '../src/tar/index-file';
import { readTarStream } from '../src/tar/stream-reader';
import { packTar, patchHeader } from './helpers/tar-bytes';

const dir = mkdtempSync(join(tmpdir(), 'tar-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sizeField = { offset: 124, length: 12 };

async function indexOf(bytes: Buffer, name: string): Promise<unknown> {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return indexTarFile(path, 'test archive').then(
    () => undefined,
    (e: unknown) => e,
  );
}

async function streamOf(bytes: Buffer): Promise<unknown> {
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += 700) yield bytes.subarray(i, i + 700);
  }
  return readTarStream(chunks(), { wants: () => true, entry: () => undefined }, 'test stream').then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('tar readers on hostile headers', () => {
  const base = () =>
    packTar([
      { name: 'a', content: 'first' },
      { name: 'b', content: 'second member' },
    ]);

  it.each([
    ['a negative octal size', '-1000', 'not octal'],
    ['a size with a fraction', '1.5', 'not octal'],
    ['a size that is not a number', 'NaN', 'not octal'],
    ['a base-256 negative size', Buffer.alloc(12, 0xff), 'negative size'],
    [
      'a base-256 size past 2^53',
      Buffer.concat([Buffer.from([0x80]), Buffer.alloc(11, 0xff)]),
      'too large',
    ],
  ])('refuses %s in the on-disk index and in the stream reader', async (_what, value, why) => {
    const tar = patchHeader(await base(), 512 + 512, sizeField, value);
    const e = await indexOf(tar, `size-${_what.replace(/\W+/g, '-')}.tar`);
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message).toContain('not a valid tar archive');
    expect((e as Error).message).toContain(why);
    expect((e as Error).message).toContain('at byte 1024');
    const s = await streamOf(tar);
    expect((s as Error).message).toContain('corrupt tar header');
    expect((s as Error).message).toContain(why);
  });

  it.each(['-5', '1e3', 'Infinity', '12abc', '99999999999999999999'])(
    'refuses a PAX size of %s in both readers',
    async (size) => {
      const tar = await packTar([
        { name: 'a', content: 'x', pax: { size, comment: 'hostile' } },
        { name: 'b', content: 'y' },
      ]);
      const e = await indexOf(tar, `pax-${size}.tar`);
      expect((e as Error).message).toContain(`PAX size ${JSON.stringify(size)}`);
      const s = await streamOf(tar);
      expect((s as Error).message).toContain('PAX size');
    },
  );

  it('refuses a member that ends past the end of the file', async () => {
    const tar = await base();
    const huge = patchHeader(tar, 0, sizeField, `${(0o7777777).toString(8)}`);
    const e = await indexOf(huge, 'past-end.tar');
    expect((e as Error).message).toContain("member 'a' of 2097151 bytes ends past the end");
    expect((e as Error).message).toContain('truncated');
  });

  it('refuses a PAX record larger than a name can need in the on-disk index', async () => {
    const tar = await packTar([{ name: 'a', content: 'x', pax: { comment: 'c'.repeat(1100000) } }]);
    const e = await indexOf(tar, 'big-pax.tar');
    expect((e as Error).message).toContain('larger than the 1048576 bytes');
  });

  it('still reads a valid archive with PAX sizes and times (fractional mtime)', async () => {
    const tar = await packTar([
      { name: 'a', content: 'hello', pax: { size: '5', mtime: '1700000000.25' } },
    ]);
    expect(await indexOf(tar, 'good.tar')).toBeUndefined();
    expect(await streamOf(tar)).toBeUndefined();
  });

  it('refuses a gzip-compressed docker-archive whose tar has a negative size, and cleans up', async () => {
    const tar = patchHeader(await base(), 0, sizeField, '-1000');
    const path = join(dir, 'hostile.tar.gz');
    writeFileSync(path, gzipSync(tar));
    const e = await openImage(parseImageSpec(`docker-archive:${path}`)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message).toContain('not a valid tar archive');
  });
});
