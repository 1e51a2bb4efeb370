import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filePieces } from '../src/buffers/file-pieces';
import { PiecePool } from '../src/buffers/piece-pool';
import { readPieces } from './read-pieces';

let dir: string;
const data = randomBytes(100_000);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'file-pieces-'));
  writeFileSync(join(dir, 'f'), data);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('filePieces', () => {
  it('streams a whole file in pooled pieces that come back for reuse', async () => {
    const pool = new PiecePool(8192, 4);
    const got = await readPieces(filePieces(join(dir, 'f'), { pool }), pool);
    expect(got.data.equals(data)).toBe(true);
    expect(got.sizes.slice(0, -1).every((n) => n === 8192)).toBe(true);
    expect(got.pooled).toBe(got.sizes.length);
    expect(pool.allocated).toBeLessThanOrEqual(3);
  });

  it('streams a range, in reads of at most readSize', async () => {
    const pool = new PiecePool(8192, 4);
    const got = await readPieces(
      filePieces(join(dir, 'f'), { pool, start: 1000, length: 5000, readSize: 1024 }),
      pool,
    );
    expect(got.data.equals(data.subarray(1000, 6000))).toBe(true);
    expect(Math.max(...got.sizes)).toBe(1024);
  });

  it('ends where the file ends when the range runs past it', async () => {
    const pool = new PiecePool(8192, 4);
    const got = await readPieces(
      filePieces(join(dir, 'f'), { pool, start: 99_000, length: 5000 }),
      pool,
      false,
    );
    expect(got.data.equals(data.subarray(99_000))).toBe(true);
  });

  it('fails with the file system error for a missing file', async () => {
    const pool = new PiecePool(8192, 4);
    await expect(
      readPieces(filePieces(join(dir, 'missing'), { pool }), pool),
    ).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
