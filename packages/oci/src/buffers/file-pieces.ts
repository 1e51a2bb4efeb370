/**
 * A byte range of a file as a stream of views of pooled pieces (see piece-pool.ts): each read goes
 * into a reused piece, where `fs.createReadStream` would allocate a new buffer per read.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { layerPieces, type PiecePool } from './piece-pool';

/** Options of {@link filePieces}. */
export interface FilePiecesOptions {
  /** First byte (default 0). */
  start?: number;
  /** Bytes to read from `start` (default: to the end of the file). */
  length?: number;
  /** Bytes per read at most (default: a whole piece). */
  readSize?: number;
  pool?: PiecePool;
}

/** Streams `path` (or a range of it) in views of pooled pieces; ends early if the file is shorter. */
export function filePieces(path: string, options: FilePiecesOptions = {}): Readable {
  const pool = options.pool ?? layerPieces;
  const readSize = Math.min(options.readSize ?? pool.size, pool.size);
  let position = options.start ?? 0;
  const end = options.length === undefined ? Infinity : position + options.length;
  let file: FileHandle | undefined;
  return new Readable({
    highWaterMark: pool.size,
    construct(callback) {
      open(path, 'r').then(
        (fh) => {
          file = fh;
          callback();
        },
        (e: unknown) => callback(e as Error),
      );
    },
    read() {
      const want = Math.min(readSize, end - position);
      if (want <= 0 || !file) {
        this.push(null);
        return;
      }
      const piece = pool.take();
      file.read(piece, 0, want, position).then(
        ({ bytesRead }) => {
          if (bytesRead === 0) {
            pool.release(piece);
            this.push(null);
            return;
          }
          position += bytesRead;
          const view = pool.share(piece.subarray(0, bytesRead));
          pool.release(piece);
          this.push(view);
        },
        (e: unknown) => {
          pool.release(piece);
          this.destroy(e as Error);
        },
      );
    },
    destroy(error, callback) {
      const fh = file;
      file = undefined;
      if (!fh) {
        callback(error);
        return;
      }
      fh.close().then(
        () => callback(error),
        () => callback(error),
      );
    },
  });
}
