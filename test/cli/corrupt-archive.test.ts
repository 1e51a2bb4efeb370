/**
 * A `docker save` archive with a damaged member header (its checksum no longer adds up): every
 * command that reads it names the archive the user gave (not a decompressed temporary copy), the
 * byte offset and member of the bad header, and how to get a good archive again.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runCliCaptured } from '../support/cli';
import { writeDockerArchive } from '../support/images';

let work: string;
let archive: string;
let gzipped: string;
let badAt: number;
let before: string;

/** The offsets and names of the member headers of a plain tar. */
function headers(tar: Buffer): { at: number; name: string }[] {
  const out: { at: number; name: string }[] = [];
  for (let at = 0; at + 512 <= tar.length && tar[at] !== 0;) {
    const name = tar.toString('latin1', at, at + 100).replace(/\0.*$/s, '');
    const size = parseInt(tar.toString('latin1', at + 124, at + 136).replace(/\0.*$/s, ''), 8);
    out.push({ at, name });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'corrupt-archive-'));
  const good = await writeDockerArchive(join(work, 'good.tar'), {
    platform: { os: 'linux', architecture: 'amd64' },
    layers: [[{ path: 'etc/hello', content: 'hello\n' }]],
  });
  const tar = readFileSync(good);
  const list = headers(tar);
  const last = list[list.length - 1];
  const prev = list[list.length - 2];
  if (!last || !prev) throw new Error(`docker archive with ${list.length} members`);
  badAt = last.at;
  before = prev.name;
  tar.writeUInt8(tar.readUInt8(badAt + 1) ^ 0x20, badAt + 1); // one bit of the name: the header checksum no longer matches
  archive = join(work, 'image.tar');
  writeFileSync(archive, tar);
  gzipped = join(work, 'image.tar.gz');
  writeFileSync(gzipped, gzipSync(tar));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a docker-archive with a bad member header checksum', () => {
  it.each([
    ['ls', (a: string) => ['ls', `docker-archive:${a}`]],
    ['inspect', (a: string) => ['inspect', `docker-archive:${a}`]],
    ['push', (a: string) => ['push', `docker-archive:${a}`, '127.0.0.1:1/me/x:v1']],
    ['kernel-cert', (a: string) => ['kernel-cert', `docker-archive:${a}`]],
  ])('%s names the archive, the offset and member, and the next step', async (_cmd, argv) => {
    const r = await runCliCaptured(argv(archive), { cwd: work });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `docker-archive ${archive} is not a valid tar archive (invalid tar header checksum at byte ${badAt}, the member header after '${before}'): the archive is corrupt or not a tar; re-create it with docker save or skopeo copy`,
    );
  });

  it('names the compressed archive given, not its decompressed copy', async () => {
    const r = await runCliCaptured(['ls', `docker-archive:${gzipped}`], { cwd: work });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `docker-archive ${gzipped} (gzip-decompressed) is not a valid tar archive (invalid tar header checksum at byte ${badAt}, the member header after '${before}')`,
    );
    expect(r.stderr).not.toContain(tmpdir() === work ? '\0' : 'talos-kmod-archive-');
  });
});
