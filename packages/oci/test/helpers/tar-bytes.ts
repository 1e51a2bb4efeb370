/** Tar bytes for tests: real archives from tar-stream, and header fields patched with a valid checksum. */
import { pack } from 'tar-stream';

/** A real tar (tar-stream) with the given entries. */
export function packTar(
  entries: { name: string; content?: string; pax?: Record<string, string> }[],
): Promise<Buffer> {
  return new Promise((resolve) => {
    const p = pack();
    const chunks: Buffer[] = [];
    p.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    p.on('end', () => resolve(Buffer.concat(chunks)));
    for (const e of entries) {
      p.entry({ name: e.name, mode: 0o644, ...(e.pax ? { pax: e.pax } : {}) }, e.content ?? '');
    }
    p.finalize();
  });
}

/** Writes `value` into a header field (NUL padded) and fixes the header's checksum. */
export function patchHeader(
  tar: Buffer,
  headerAt: number,
  field: { offset: number; length: number },
  value: string | Buffer,
): Buffer {
  const out = Buffer.from(tar);
  const bytes = Buffer.alloc(field.length);
  (typeof value === 'string' ? Buffer.from(value, 'latin1') : value).copy(bytes);
  bytes.copy(out, headerAt + field.offset);
  out.fill(0x20, headerAt + 148, headerAt + 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += out[headerAt + i] ?? 0;
  out.write(`${sum.toString(8).padStart(6, '0')}\0 `, headerAt + 148, 'latin1');
  return out;
}
