import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { coalesce } from '../src/files/coalesce';

async function sizesOut(
  chunks: Buffer[],
  size: number,
): Promise<{ sizes: number[]; data: Buffer }> {
  const out: Buffer[] = [];
  const stream = Readable.from(chunks).pipe(coalesce(size));
  // 'data' events show the pieces as pushed (an async iterator would join what is buffered)
  stream.on('data', (c: Buffer) => out.push(c));
  await new Promise((resolve) => stream.on('end', resolve));
  return { sizes: out.map((c) => c.length), data: Buffer.concat(out) };
}

describe('coalesce', () => {
  it('joins small chunks into pieces of at least the size, keeping every byte in order', async () => {
    const chunks = Array.from({ length: 10 }, () => randomBytes(300));
    const { sizes, data } = await sizesOut(chunks, 1000);
    expect(sizes).toEqual([1200, 1200, 600]);
    expect(data.equals(Buffer.concat(chunks))).toBe(true);
  });

  it('passes a large chunk through as it is, and an empty stream as nothing', async () => {
    const big = randomBytes(5000);
    const { sizes, data } = await sizesOut([big], 1000);
    expect(sizes).toEqual([5000]);
    expect(data.equals(big)).toBe(true);
    expect((await sizesOut([], 1000)).sizes).toEqual([]);
  });
});
