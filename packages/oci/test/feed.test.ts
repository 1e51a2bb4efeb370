import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import { PiecePool } from '../src/buffers/piece-pool';
import { feed } from '../src/files/feed';

/** Collects what a stream produces. */
function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  return new Promise((resolve, reject) => {
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.on('end', () => resolve(Buffer.concat(parts)));
    stream.on('error', reject);
  });
}

/** A sink that records the chunks written to it and checks each is intact when it is consumed. */
function recordingSink(seen: Buffer[], copies: Buffer[]): Writable {
  return new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _enc, cb) {
      seen.push(chunk);
      copies.push(Buffer.from(chunk));
      setImmediate(cb);
    },
  });
}

describe('feed', () => {
  it('copies small chunks into whole pooled pieces, in order, and reuses them', async () => {
    const pool = new PiecePool(4096, 4);
    const data = randomBytes(100_000);
    const chunks: Buffer[] = [];
    for (let at = 0; at < data.length; at += 1000) chunks.push(data.subarray(at, at + 1000));
    const seen: Buffer[] = [];
    const copies: Buffer[] = [];
    const sink = recordingSink(seen, copies);
    const done = new Promise((resolve) => sink.on('finish', resolve));
    feed(Readable.from(chunks, { objectMode: false }), sink, { pool, releaseOnWrite: true });
    await done;
    expect(Buffer.concat(copies).equals(data)).toBe(true);
    // every write but the last is a whole piece
    expect(copies.slice(0, -1).every((c) => c.length === 4096)).toBe(true);
    // 25 pieces written, each given back once consumed: a few pieces were enough
    expect(pool.allocated).toBeLessThanOrEqual(3);
  });

  it('passes views a producer shared from the pool as they are, and gives them back', async () => {
    const pool = new PiecePool(4096, 4);
    const source = new PassThrough();
    const seen: Buffer[] = [];
    const copies: Buffer[] = [];
    const sink = recordingSink(seen, copies);
    const done = new Promise((resolve) => sink.on('finish', resolve));
    feed(source, sink, { pool, releaseOnWrite: true });
    const expected: Buffer[] = [];
    const views: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const piece = pool.take();
      piece.fill(i);
      const view = pool.share(piece.subarray(10));
      pool.release(piece);
      expected.push(Buffer.from(view));
      views.push(view);
      if (!source.write(view)) await new Promise((r) => source.once('drain', r));
    }
    source.end();
    await done;
    expect(seen.filter((c) => views.includes(c))).toHaveLength(20);
    expect(Buffer.concat(copies).equals(Buffer.concat(expected))).toBe(true);
    // each view came back once consumed: the pool hands out old pieces again
    expect(views.some((v) => pool.owns(v))).toBe(false);
    const before = pool.allocated;
    pool.take();
    expect(pool.allocated).toBe(before);
  });

  it('gives nothing back when the sink may keep its input', async () => {
    const pool = new PiecePool(1024, 4);
    const sink = recordingSink([], []);
    const done = new Promise((resolve) => sink.on('finish', resolve));
    feed(Readable.from([randomBytes(20 * 1024)]), sink, { pool, releaseOnWrite: false });
    await done;
    expect(pool.allocated).toBe(20);
  });

  it('inflates a gzip stream fed in pieces to the same bytes', async () => {
    const pool = new PiecePool(64 * 1024, 8);
    const data = Buffer.concat([randomBytes(300_000), Buffer.alloc(2_000_000, 'a')]);
    const gz = gzipSync(data);
    const parts: Buffer[] = [];
    for (let at = 0; at < gz.length; at += 7000) parts.push(gz.subarray(at, at + 7000));
    const gunzip = createGunzip();
    const out = collect(gunzip);
    feed(Readable.from(parts), gunzip, { pool, releaseOnWrite: true });
    expect((await out).equals(data)).toBe(true);
  });

  it('fails the sink when the source fails, and stops the source when the sink fails', async () => {
    const pool = new PiecePool(1024, 4);
    const failing = new Readable({ read() {} });
    const gunzip = createGunzip();
    const out = collect(gunzip);
    feed(failing, gunzip, { pool, releaseOnWrite: true });
    failing.destroy(new Error('network down'));
    await expect(out).rejects.toThrow('network down');

    const source = new PassThrough();
    const broken = createGunzip();
    const closed = new Promise((resolve) => source.on('close', resolve));
    broken.on('error', () => undefined);
    feed(source, broken, { pool, releaseOnWrite: true });
    source.write(Buffer.from('this is not gzip at all'));
    source.end();
    await closed;
    expect(source.destroyed).toBe(true);
  });
});
