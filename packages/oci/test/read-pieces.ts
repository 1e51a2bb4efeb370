/** Test helper: reads a stream of pooled views chunk by chunk, as pushed. */
import type { Readable } from 'node:stream';
import type { PiecePool } from '../src/buffers/piece-pool';

/**
 * Reads `stream` with 'data' events (chunk objects as pushed: an async iterator would join what is
 * buffered), copying each chunk and, when `release`, giving it back to `pool` at once. Returns the
 * bytes, the chunk sizes, and how many chunks were views the pool had shared.
 */
export async function readPieces(
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
