import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { filePieces } from '../src/buffers/file-pieces';
import { PiecePool } from '../src/buffers/piece-pool';

let dir: string;
const data = randomBytes(100_000);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'file-pieces-'));
  writeFileSync(join(dir, 'f'), data);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Reads a stream chunk by chunk (as pushed), giving each back to `pool` when `release`. */
async function read(
  stream: Readable,
  pool: PiecePool,
  release = true,
): Promise<{ data: Buffer; sizes: number[]; pooled: number }> {
  const parts: Buffer[] = [];
  let pooled = 0;
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => {
      if (pool.owns(c)) pooled++;
      parts.push(Buffer.from(c));
      if (release) pool.release(c);
    });
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  return { data: Buffer.concat(parts), sizes: parts.map((p) => p.length), pooled };
}

describe('filePieces', () => {
  it('streams a whole file in pooled pieces that come back for reuse', async () => {
    const pool = new PiecePool(8192, 4);
    const got = await read(filePieces(join(dir, 'f'), { pool }), pool);
    expect(got.data.equals(data)).toBe(true);
    expect(got.sizes.slice(0, -1).every((n) => n === 8192)).toBe(true);
    expect(got.pooled).toBe(got.sizes.length);
    expect(pool.allocated).toBeLessThanOrEqual(3);
  });

  it('streams a range, in reads of at most readSize', async () => {
    const pool = new PiecePool(8192, 4);
    const got = await read(
      filePieces(join(dir, 'f'), { pool, start: 1000, length: 5000, readSize: 1024 }),
      pool,
    );
    expect(got.data.equals(data.subarray(1000, 6000))).toBe(true);
    expect(Math.max(...got.sizes)).toBe(1024);
  });

  it('ends where the file ends when the range runs past it', async () => {
    const pool = new PiecePool(8192, 4);
    const got = await read(
      filePieces(join(dir, 'f'), { pool, start: 99_000, length: 5000 }),
      pool,
      false,
    );
    expect(got.data.equals(data.subarray(99_000))).toBe(true);
  });

  it('fails with the file system error for a missing file', async () => {
    const pool = new PiecePool(8192, 4);
    await expect(read(filePieces(join(dir, 'missing'), { pool }), pool)).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
