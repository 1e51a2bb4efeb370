import { describe, expect, it } from '@jest/globals';
import { PiecePool } from '../src/buffers/piece-pool';

describe('PiecePool', () => {
  it('reuses a piece once the taker and every shared view have been given back', () => {
    const pool = new PiecePool(16, 4);
    const piece = pool.take();
    const a = pool.share(piece.subarray(0, 8));
    const b = pool.share(piece.subarray(8, 16));
    pool.release(piece);
    pool.release(a);
    // b is still out: a new take must not hand out the same memory
    const other = pool.take();
    expect(other.buffer).not.toBe(piece.buffer);
    pool.release(b);
    expect(pool.take().buffer).toBe(piece.buffer);
    expect(pool.allocated).toBe(2);
  });

  it('ignores a second release, views it never shared, and foreign buffers', () => {
    const pool = new PiecePool(16, 4);
    const piece = pool.take();
    const view = pool.share(piece.subarray(0, 4));
    pool.release(view);
    pool.release(view);
    // a slice of a shared view is a new object: releasing it must not count
    pool.release(piece.subarray(4, 8));
    pool.release(Buffer.alloc(16));
    expect(pool.take().buffer).not.toBe(piece.buffer);
    pool.release(piece);
    expect(pool.take().buffer).toBe(piece.buffer);
  });

  it('knows the views it shared until they are released', () => {
    const pool = new PiecePool(16, 4);
    const piece = pool.take();
    const view = pool.share(piece.subarray(2, 10));
    expect(pool.owns(view)).toBe(true);
    expect(pool.owns(piece.subarray(2, 10))).toBe(false);
    expect(pool.owns(piece)).toBe(false);
    pool.release(view);
    expect(pool.owns(view)).toBe(false);
  });

  it('keeps at most `keep` free pieces', () => {
    const pool = new PiecePool(16, 2);
    const pieces = [pool.take(), pool.take(), pool.take()];
    for (const p of pieces) pool.release(p);
    const again = [pool.take(), pool.take(), pool.take()];
    expect(pool.allocated).toBe(4);
    expect(again.filter((p) => pieces.some((q) => q.buffer === p.buffer))).toHaveLength(2);
  });
});
