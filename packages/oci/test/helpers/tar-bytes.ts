/** Tar bytes for tests: real archives from tar-stream, and header fields patched with a valid checksum. */
import { pack } from 'tar-stream';

/** A real tar (tar-stream) with the given entries (files unless `type` says otherwise). */
export function packTar(
  entries: {
    name: string;
    content?: string | Buffer;
    type?: 'file' | 'directory' | 'symlink';
    linkname?: string;
    pax?: Record<string, string>;
  }[],
): Promise<Buffer> {
  return new Promise((resolve) => {
    const p = pack();
    const chunks: Buffer[] = [];
    p.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    p.on('end', () => resolve(Buffer.concat(chunks)));
    for (const e of entries) {
      const type = e.type ?? 'file';
      const header = {
        name: e.name,
        type,
        mode: 0o644,
        ...(e.linkname ? { linkname: e.linkname } : {}),
        ...(e.pax ? { pax: e.pax } : {}),
      };
      if (type === 'file') p.entry(header, e.content ?? '');
      else p.entry(header);
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
