/**
 * Fuzzing the readers of untrusted registry and archive bytes, as packages/kmod's fuzz test does:
 * thousands of deterministic mutations (test/support/fuzz-mutate.ts, replayable by index) of real inputs —
 * tar archives from tar-stream, manifests and indexes, `WWW-Authenticate` headers, and raw HTTP
 * responses read by the raw-socket client over a real loopback socket. Each reader must either
 * accept or fail with its own error (never a TypeError or a missed bounds check), must finish
 * (the socket client's own idle timeout would report a hang as ETIMEDOUT, which fails here), must
 * keep memory bounded, and what it accepts must survive a round trip through a writer.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { parseChallenges, type Challenge } from '../src/auth/challenge';
import { parseManifest } from '../src/manifest/types';
import { BodyDecoder, parseHead, plainGet } from '../src/transport/plain-get';
import { indexTarFile } from '../src/tar/index-file';
import { readTarStream } from '../src/tar/stream-reader';
import type { TarHeader } from '../src/tar/header';
import {
  fuzzIterations,
  fuzzSeed,
  INTERNAL_ERROR,
  mutate,
  prng,
  type Region,
} from '../../../test/support/fuzz-mutate';
import { packTar } from './helpers/tar-bytes';

const TAR_ITERATIONS = fuzzIterations(3000);
const JSON_ITERATIONS = fuzzIterations(3000);
const CHALLENGE_ITERATIONS = fuzzIterations(5000);
const HTTP_ITERATIONS = fuzzIterations(5000);
const SOCKET_ITERATIONS = fuzzIterations(1500);
const TIMEOUT = 300_000 * fuzzIterations(1);

const dir = mkdtempSync(join(tmpdir(), 'oci-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Fails with the mutation that produced an error no reader should throw. */
function expectOwnError(e: unknown, i: number, what: string, own: (e: Error) => boolean): void {
  const message = (e as { message?: unknown })?.message;
  const ok = typeof message === 'string' && !INTERNAL_ERROR.test(message) && own(e as Error);
  if (!ok) throw new Error(`mutation ${i} (${what}) threw an unexpected error: ${String(e)}`);
}

function rssMiB(): number {
  return process.memoryUsage().rss / 1024 / 1024;
}

interface SeenEntry {
  name: string;
  type: string;
  linkname: string;
  content?: string;
}

async function readStream(bytes: Uint8Array): Promise<SeenEntry[]> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  async function* chunks() {
    for (let i = 0; i < buf.length; i += 700) yield buf.subarray(i, i + 700);
  }
  const seen: SeenEntry[] = [];
  await readTarStream(
    chunks(),
    {
      // As every caller must (walk.ts: maxFileSize), bound the size before accepting a file: a
      // mutated size field may claim gigabytes, which the reader would then allocate.
      wants: (h: TarHeader) => h.type === 'file' && h.size <= 64 * 1024 * 1024,
      entry: (h, content) =>
        void seen.push({
          name: h.name,
          type: h.type,
          linkname: h.linkname,
          ...(content ? { content: Buffer.concat(content).toString('latin1') } : {}),
        }),
    },
    'fuzz tar',
  );
  return seen;
}

/** Writes `entries` back with tar-stream (the writer the round trip goes through). */
function repack(entries: readonly SeenEntry[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = pack();
    const chunks: Buffer[] = [];
    p.on('data', (c: unknown) => void chunks.push(c as Buffer));
    p.on('end', () => resolve(Buffer.concat(chunks)));
    p.on('error', reject);
    for (const e of entries) {
      const type = (
        ['file', 'directory', 'symlink', 'link', 'fifo'].includes(e.type)
          ? e.type
          : e.type === 'hardlink'
            ? 'link'
            : 'file'
      ) as 'file';
      const header = {
        name: e.name || 'x',
        type,
        mode: 0o644,
        ...(e.linkname ? { linkname: e.linkname } : {}),
      };
      if (type === 'file') p.entry(header, Buffer.from(e.content ?? '', 'latin1'));
      else p.entry(header);
    }
    p.finalize();
  });
}

describe('fuzzing the tar readers and the archive index', () => {
  it(
    `survives ${TAR_ITERATIONS} mutations of a real tar; what is accepted agrees between readers and round-trips`,
    async () => {
      const tar = await packTar([
        { name: 'etc/hello', content: 'hello world\n' },
        { name: `${'deep/'.repeat(30)}module.ko`, content: 'k'.repeat(1500) },
        { name: 'a', content: 'x', pax: { comment: 'pax record', mtime: '1700000000.5' } },
        { name: 'empty', content: '' },
      ]);
      const blocks = tar.length / 512;
      const regions: Region[] = Array.from({ length: blocks }, (_, b) => ({
        name: `block ${b}`,
        start: b * 512,
        end: b * 512 + 512,
      }));
      regions.push(
        { name: 'size fields', start: 124, end: 136 },
        { name: 'checksum', start: 148, end: 156 },
      );
      const rand = prng(fuzzSeed(0x7a5));
      const rss = rssMiB();
      let accepted = 0;
      const reasons = new Set<string>();
      for (let i = 0; i < TAR_ITERATIONS; i++) {
        const m = mutate(tar, regions, rand);
        let seen: SeenEntry[] | undefined;
        try {
          seen = await readStream(m.bytes);
        } catch (e: unknown) {
          expectOwnError(e, i, m.what, (x) => x.message.startsWith('fuzz tar: '));
          reasons.add((e as Error).message.replace(/\d+/g, 'N').slice(0, 60));
        }
        if (i % 5 === 0) {
          const path = join(dir, 'fuzz.tar');
          writeFileSync(path, m.bytes);
          const index = await indexTarFile(path, 'fuzz archive').catch((e: unknown) => {
            expectOwnError(e, i, m.what, (x) => x.name === 'UserError');
            return undefined;
          });
          if (index && seen) {
            // Both readers accepted: each file the index holds has the content the stream saw last.
            for (const [name, member] of index.members) {
              if (member.header.type !== 'file') continue;
              const fromStream = seen.filter((s) => s.type === 'file' && s.content !== undefined);
              const last = fromStream.reverse().find((s) => s.name.replace(/^\.?\/+/, '') === name);
              if (!last) continue;
              const bytes = await index.readBytes(name);
              expect({ i, name, content: bytes.toString('latin1') }).toEqual({
                i,
                name,
                content: last.content,
              });
            }
          }
        }
        if (seen) {
          accepted++;
          const again = await readStream(await repack(seen));
          expect({ i, entries: again.map((e) => e.name) }).toEqual({
            i,
            entries: seen.map((e) => e.name || 'x'),
          });
        }
      }
      expect(accepted).toBeGreaterThan(100);
      expect(reasons.size).toBeGreaterThan(3);
      expect(rssMiB() - rss).toBeLessThan(512);
    },
    TIMEOUT,
  );
});

/** Replaces one value somewhere in a JSON tree with a hostile one. */
function mutateJson(value: unknown, rand: () => number): unknown {
  const hostile = [-1, 1.5, 2 ** 60, 1e308, '', 'x'.repeat(10_000), null, [], {}, true, 'sha256:'];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  if (value === null || typeof value !== 'object' || rand() < 0.15) return pick(hostile);
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value)
    ? [...(value as unknown[])]
    : { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0) return pick(hostile);
  const key = pick(keys);
  if (rand() < 0.1) {
    delete (copy as Record<string, unknown>)[key];
    return copy;
  }
  (copy as Record<string, unknown>)[key] = mutateJson((copy as Record<string, unknown>)[key], rand);
  return copy;
}

describe('fuzzing manifest and index parsing', () => {
  const d = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d(1), size: 1234 },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d(2), size: 99 },
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: d(3), size: 7 },
    ],
    annotations: { 'org.opencontainers.image.ref.name': 'v1' },
  };
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { ...manifest.config, digest: d(4), platform: { os: 'linux', architecture: 'amd64' } },
      { ...manifest.config, digest: d(5), platform: { os: 'linux', architecture: 'arm64' } },
    ],
  };

  it.each([
    ['an image manifest', manifest],
    ['an index', index],
  ])(
    `survives ${JSON_ITERATIONS} byte and structure mutations of %s; accepted documents round-trip`,
    (_what, doc) => {
      const bytes = Buffer.from(JSON.stringify(doc, null, 1));
      const rand = prng(fuzzSeed(0x3a1f));
      let accepted = 0;
      for (let i = 0; i < JSON_ITERATIONS; i++) {
        const structural = i % 2 === 0;
        const input = structural
          ? Buffer.from(JSON.stringify(mutateJson(doc, rand)))
          : Buffer.from(mutate(bytes, [{ name: 'all', start: 0, end: bytes.length }], rand).bytes);
        let parsed;
        try {
          parsed = parseManifest(
            input,
            'fuzz manifest',
            i % 3 === 0 ? 'application/json' : undefined,
          );
        } catch (e: unknown) {
          expectOwnError(e, i, structural ? 'structural' : 'bytes', (x) => x.name === 'UserError');
          continue;
        }
        accepted++;
        const body = parsed.kind === 'image' ? parsed.manifest : parsed.index;
        const descriptors =
          parsed.kind === 'image'
            ? [parsed.manifest.config, ...parsed.manifest.layers]
            : parsed.index.manifests;
        for (const x of descriptors) {
          expect(Number.isSafeInteger(x.size) && x.size >= 0).toBe(true);
          expect(x.digest).toMatch(/^sha(256|512):[a-f0-9]+$/);
        }
        const again = parseManifest(Buffer.from(JSON.stringify(body)), 'round trip');
        expect(again.kind).toBe(parsed.kind);
        expect(again.kind === 'image' ? again.manifest : again.index).toEqual(body);
      }
      expect(accepted).toBeGreaterThan(50);
    },
  );
});

/** Writes challenges back as a header, quoting every value. */
function formatChallenges(challenges: readonly Challenge[]): string {
  return challenges
    .map((c) => {
      const params = Object.entries(c.params).map(
        ([k, v]) => `${k}="${v.replace(/["\\]/g, (ch) => `\\${ch}`)}"`,
      );
      return params.length ? `${c.scheme} ${params.join(',')}` : c.scheme;
    })
    .join(', ');
}

describe('fuzzing the WWW-Authenticate parser', () => {
  it(`survives ${CHALLENGE_ITERATIONS} mutations of real challenges; what it parses round-trips`, () => {
    const headers = [
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/app:pull"',
      'Basic realm="Registry Realm"',
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io", Basic realm="x"',
      'Bearer realm=https://quay.io/v2/auth,service=quay.io,error="invalid_token",error_description="a \\"quoted\\" word"',
    ];
    const rand = prng(fuzzSeed(0xc4a1));
    let parsedSome = 0;
    for (let i = 0; i < CHALLENGE_ITERATIONS; i++) {
      const base = Buffer.from(headers[i % headers.length] as string, 'latin1');
      const m = mutate(base, [{ name: 'header', start: 0, end: base.length }], rand);
      const text = Buffer.from(m.bytes).toString('latin1');
      let challenges: Challenge[];
      try {
        challenges = parseChallenges(text);
      } catch (e: unknown) {
        throw new Error(`mutation ${i} (${m.what}) threw: ${String(e)}`);
      }
      if (challenges.length) parsedSome++;
      for (const c of challenges) expect(c.scheme).toMatch(/^[\w!#$%&'*+.^`|~-]+$/);
      expect({ i, again: parseChallenges(formatChallenges(challenges)) }).toEqual({
        i,
        again: challenges,
      });
    }
    expect(parsedSome).toBeGreaterThan(1000);
  });
});

/** A chunked response with chunk extensions, of real data. */
function chunkedResponse(data: Buffer): Buffer {
  const parts: Buffer[] = [
    Buffer.from(
      'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nDocker-Content-Digest: sha256:00\r\nTransfer-Encoding: chunked\r\n\r\n',
      'latin1',
    ),
  ];
  for (let off = 0, n = 1; off < data.length; off += n, n = n * 3 + 1) {
    const chunk = data.subarray(off, off + n);
    parts.push(
      Buffer.from(`${chunk.length.toString(16)};ext=1\r\n`, 'latin1'),
      chunk,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from('0\r\nTrailer: x\r\n\r\n', 'latin1'));
  return Buffer.concat(parts);
}

describe('fuzzing the raw-socket HTTP response parser', () => {
  const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) % 256));
  const response = chunkedResponse(data);
  const headEnd = response.indexOf('\r\n\r\n') + 4;
  const regions: Region[] = [
    { name: 'status line', start: 0, end: 17 },
    { name: 'headers', start: 17, end: headEnd },
    { name: 'chunk framing', start: headEnd, end: headEnd + 40 },
    { name: 'body', start: headEnd, end: response.length },
  ];
  const ownCode = (e: Error) =>
    /^(HPE_|ECONNRESET$)/.test(String((e as { code?: unknown }).code ?? ''));

  it('decodes the unmutated response to the data, split anywhere', () => {
    const head = parseHead(response);
    expect(head?.status).toBe(200);
    const rand = prng(0xb0d7);
    for (let i = 0; i < 200; i++) {
      const split = headEnd + Math.floor(rand() * (response.length - headEnd));
      const piece = Buffer.from(response);
      const decoder = new BodyDecoder('chunked');
      let { dataEnd, raw } = decoder.decode(piece, headEnd, headEnd, split);
      ({ dataEnd, raw } = decoder.decode(piece, dataEnd, raw, piece.length));
      expect(decoder.done).toBe(true);
      expect(piece.subarray(headEnd, dataEnd).equals(data)).toBe(true);
    }
  });

  it(`survives ${HTTP_ITERATIONS} in-memory mutations: parseHead and the chunk decoder finish or fail with HPE codes`, () => {
    const rand = prng(fuzzSeed(0x4e7));
    for (let i = 0; i < HTTP_ITERATIONS; i++) {
      const m = mutate(response, regions, rand);
      const bytes = Buffer.from(m.bytes);
      try {
        const head = parseHead(bytes);
        if (!head) continue;
        const decoder = new BodyDecoder('chunked');
        const out = decoder.decode(bytes, head.length, head.length, bytes.length);
        expect(out.dataEnd).toBeLessThanOrEqual(out.raw);
        expect(out.raw).toBeLessThanOrEqual(bytes.length);
      } catch (e: unknown) {
        expectOwnError(e, i, m.what, ownCode);
      }
    }
  });

  it(
    `survives ${SOCKET_ITERATIONS} mutated responses over a real loopback socket; complete bodies round-trip`,
    async () => {
      let current: Buffer = Buffer.alloc(0);
      const server: Server = createServer((socket) => {
        socket.on('error', () => undefined);
        socket.once('data', () => socket.end(current));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const url = new URL(`http://127.0.0.1:${port}/v2/x/blobs/sha256:00`);
      const get = async (bytes: Buffer): Promise<{ status: number; body: Buffer }> => {
        current = bytes;
        const res = await plainGet(url, {}, { timeoutMs: 10_000, deadlineMs: 10_000 });
        const chunks: Buffer[] = [];
        for await (const c of res.body) chunks.push(Buffer.from(c as Buffer));
        return { status: res.status, body: Buffer.concat(chunks) };
      };
      const rss = rssMiB();
      try {
        const clean = await get(response);
        expect(clean.body.equals(data)).toBe(true);
        const rand = prng(fuzzSeed(0x50c));
        let complete = 0;
        for (let i = 0; i < SOCKET_ITERATIONS; i++) {
          const m = mutate(response, regions, rand);
          let result;
          try {
            result = await get(Buffer.from(m.bytes));
          } catch (e: unknown) {
            expectOwnError(e, i, m.what, ownCode);
            continue;
          }
          complete++;
          // Round trip: the same status and body written back with Content-Length read the same.
          const again = await get(
            Buffer.concat([
              Buffer.from(
                `HTTP/1.1 ${String(result.status).padStart(3, '0')} X\r\nContent-Length: ${result.body.length}\r\n\r\n`,
                'latin1',
              ),
              result.body,
            ]),
          );
          if (result.status >= 200 && result.status !== 204 && result.status !== 304) {
            expect({ i, status: again.status, same: again.body.equals(result.body) }).toEqual({
              i,
              status: result.status,
              same: true,
            });
          }
        }
        expect(complete).toBeGreaterThan(100);
        expect(rssMiB() - rss).toBeLessThan(512);
      } finally {
        await new Promise<void>((r) => server.close(() => r()));
      }
    },
    TIMEOUT,
  );
});
