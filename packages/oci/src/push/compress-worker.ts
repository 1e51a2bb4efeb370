/**
 * The program of a layer-compression worker thread (started by compress.ts; the messages are in
 * compress-protocol.ts). It runs one job at a time and then waits for the next.
 *
 * Output: the input cut into 1 MiB pieces, each one gzip member (gzip-members.ts): stored when a
 * 16 KiB sample from the middle of the piece looks incompressible, else deflated by zlib at that
 * piece's level (the job's levels taken in turn, piece by piece), several pieces at once on
 * libuv's thread pool (so one layer keeps every core busy while this thread reads and hashes); a
 * deflated member larger than its slot (it did not shrink after all) is stored instead. Every
 * decision depends only on the bytes and the levels, so the output is the same on every run and
 * from a file or a stream. From a file, a piece is read straight into its slot in stored layout,
 * so incompressible bytes are copied once, by the kernel.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { constants, crc32, gzip } from 'node:zlib';
import type { FileRange } from '../sources/types';
import type { FromWorker, StartMessage, ToWorker } from './compress-protocol';
import {
  gzipHeader,
  looksIncompressible,
  sampleBytes,
  sampleStart,
  storeInto,
  storedBlockBytes,
  writeBlockHeader,
  writeTrailer,
} from './gzip-members';

const pieceBytes = 1024 * 1024;
/** Pieces deflating at once (libuv's pool has four threads; this thread reads and hashes). */
const inFlight = 3;

/** A piece-sized input buffer, free again once its deflate has finished. */
interface PieceBuffer {
  buffer: Buffer;
  free: Promise<void>;
}

/**
 * Piece buffers and the sample buffer, reused by every job of this worker (jobs run one at a
 * time): fresh memory for each layer costs more in page faults than compressing a small layer.
 */
const pieces: PieceBuffer[] = Array.from({ length: inFlight + 1 }, () => ({
  buffer: Buffer.allocUnsafe(pieceBytes),
  free: Promise.resolve(),
}));
const sample = Buffer.allocUnsafe(sampleBytes);

function send(m: FromWorker): void {
  parentPort?.postMessage(m);
}

/**
 * Deflates a piece into a gzip member. memLevel 9 (a larger hash table than zlib's default 8)
 * deflated real kernel modules at level 4 in 7% less time for 0.45% more bytes (bench/README.md,
 * oci-push). `flush: Z_FINISH` makes zlib finish the member in the call that takes the piece, so
 * the whole member is one output chunk that Node hands over as it is; with the default flush the
 * piece's write and the closing flush give two chunks, which Node joins into a fresh buffer (a
 * copy of every compressed byte, and its page faults).
 */
function gzipPiece(piece: Buffer, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    gzip(
      piece,
      { level, memLevel: 9, chunkSize: piece.length + 1024, flush: constants.Z_FINISH },
      (e, out) => (e ? reject(e) : resolve(out)),
    ),
  );
}

/** An error a worker reports: its message, and its code when it has one (`ENOENT`…). */
function describe(e: unknown): { message: string; code?: string } {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' ? { message: e.message, code } : { message: e.message };
  }
  return { message: String(e) };
}

/** What a job does with the messages addressed to it. */
interface JobHandlers {
  data(chunk: Uint8Array): void;
  end(): void;
  release(slot: number): void;
}

function startJob(start: StartMessage): JobHandlers {
  const { job, levels, slotSize, slotCount, digestAlgorithm, file } = start;
  if (levels.length === 0) throw new RangeError('no gzip level given (an empty list of levels)');
  /** Pieces cut so far: piece `n` is deflated at `levels[n % levels.length]`. */
  let pieceCount = 0;
  const nextLevel = (): number => levels[pieceCount++ % levels.length] ?? 0;
  const slotBytes = Buffer.from(start.slots);
  const inputHash: Hash = createHash(digestAlgorithm);
  const outputHash: Hash = createHash('sha256');
  let inputSize = 0;
  let outputSize = 0;
  let failed = false;

  // Output slots, taken in turn; a slot is free again when the main thread releases it.
  const released: Promise<void>[] = Array.from({ length: slotCount }, () => Promise.resolve());
  const release: (() => void)[] = [];
  let nextSlot = 0;
  // Members are announced in order, each once its bytes are in place.
  let ready = Promise.resolve();

  async function takeSlot(): Promise<{ slot: number; out: Buffer }> {
    const slot = nextSlot;
    nextSlot = (nextSlot + 1) % slotCount;
    await released[slot];
    released[slot] = new Promise<void>((r) => (release[slot] = r));
    return { slot, out: slotBytes.subarray(slot * slotSize, (slot + 1) * slotSize) };
  }

  function announce(slot: number, out: Buffer, produced: Promise<number>): void {
    // handled where `ready` reaches it; until then a failure must not count as unhandled
    produced.catch(() => undefined);
    ready = ready.then(async () => {
      const length = await produced;
      outputHash.update(out.subarray(0, length));
      outputSize += length;
      send({ type: 'member', job, slot, length });
    });
    // reported at once: a member that never comes would hold its slot, and the job, forever
    ready.catch(fail);
  }

  /** Deflates `piece` into `out` (stored if it did not fit); `pieceDone` frees its buffer. */
  function deflateInto(
    piece: Buffer,
    level: number,
    out: Buffer,
    pieceDone: () => void,
  ): Promise<number> {
    return gzipPiece(piece, level).then(
      (deflated) => {
        const n = deflated.length <= out.length ? deflated.copy(out, 0) : storeInto(piece, out);
        pieceDone();
        return n;
      },
      (e: unknown) => {
        pieceDone();
        throw e;
      },
    );
  }

  // every deflate of the previous job has finished (its last member was announced)
  for (const p of pieces) p.free = Promise.resolve();
  let pieceIndex = 0;
  let current = pieces[0] as PieceBuffer;
  let filled = 0;
  let any = false;

  /** Claims the current piece buffer for a deflate; returns the function that frees it. */
  function claimPiece(): () => void {
    let done: () => void = () => undefined;
    current.free = new Promise<void>((r) => (done = r));
    pieceIndex = (pieceIndex + 1) % pieces.length;
    current = pieces[pieceIndex] as PieceBuffer;
    filled = 0;
    return done;
  }

  // A contiguous piece (stream input): stored, or deflated.
  async function emitPiece(length: number): Promise<void> {
    const piece = current.buffer.subarray(0, length);
    const { slot, out } = await takeSlot();
    const s = sampleStart(length);
    const level = nextLevel();
    if (level === 0 || (s >= 0 && looksIncompressible(piece.subarray(s, s + sampleBytes)))) {
      announce(slot, out, Promise.resolve(storeInto(piece, out)));
      filled = 0;
      return;
    }
    announce(slot, out, deflateInto(piece, level, out, claimPiece()));
    await current.free;
  }

  async function consume(data: Buffer): Promise<void> {
    inputHash.update(data);
    inputSize += data.length;
    while (data.length > 0) {
      const n = data.copy(current.buffer, filled, 0, pieceBytes - filled);
      filled += n;
      data = data.subarray(n);
      if (filled === pieceBytes) {
        any = true;
        await emitPiece(pieceBytes);
      }
    }
  }

  // After the last member has been announced: both digests and sizes.
  async function done(): Promise<void> {
    await ready;
    send({
      type: 'done',
      job,
      inputDigest: `${digestAlgorithm}:${inputHash.digest('hex')}`,
      inputSize,
      digest: `sha256:${outputHash.digest('hex')}`,
      size: outputSize,
    });
  }

  async function finish(): Promise<void> {
    if (filled > 0 || !any) await emitPiece(filled);
    await done();
  }

  /** Reads `length` bytes of the layer's file at `position` into `target` at `at`. */
  function readFully(
    range: FileRange,
    fd: number,
    target: Buffer,
    at: number,
    length: number,
    position: number,
  ): void {
    for (let got = 0; got < length;) {
      const r = readSync(fd, target, at + got, length - got, position + got);
      if (r === 0) {
        throw Object.assign(new Error(`${range.path} ended before the layer did`), {
          code: 'ETRUNCATED',
        });
      }
      got += r;
    }
  }

  // One piece of a file. Its sample is read first: a piece that looks incompressible is read
  // straight into a slot in stored layout (copied once, by the kernel); any other is read into a
  // contiguous piece buffer and deflated from there. The decision is the one a stream's piece
  // gets (same sample), so a file and a stream give the same members.
  async function filePiece(range: FileRange, fd: number, position: number, length: number) {
    const { slot, out } = await takeSlot();
    const s = sampleStart(length);
    const level = nextLevel();
    let incompressible = level === 0;
    if (!incompressible && s >= 0) {
      const n = Math.min(sampleBytes, length - s); // as a stream's piece.subarray(s, s + sampleBytes)
      readFully(range, fd, sample, 0, n, position + s);
      incompressible = looksIncompressible(sample.subarray(0, n));
    }
    inputSize += length;
    if (!incompressible) {
      await current.free;
      const piece = current.buffer.subarray(0, length);
      readFully(range, fd, piece, 0, length, position);
      inputHash.update(piece);
      announce(slot, out, deflateInto(piece, level, out, claimPiece()));
      return;
    }
    const blocks = Math.max(1, Math.ceil(length / storedBlockBytes));
    let crc = 0;
    let at = gzipHeader.copy(out, 0);
    for (let from = 0, i = 0; i < blocks; i++, from += storedBlockBytes) {
      const n = Math.min(storedBlockBytes, length - from);
      writeBlockHeader(out, at, n, i === blocks - 1);
      readFully(range, fd, out, at + 5, n, position + from);
      const data = out.subarray(at + 5, at + 5 + n);
      inputHash.update(data);
      crc = crc32(data, crc);
      at += 5 + n;
    }
    announce(slot, out, Promise.resolve(writeTrailer(out, at, crc, length)));
  }

  async function readFile(range: FileRange): Promise<void> {
    const fd = openSync(range.path, 'r');
    try {
      let position = range.offset;
      let left = range.size;
      do {
        const length = Math.min(pieceBytes, left);
        await filePiece(range, fd, position, length);
        position += length;
        left -= length;
      } while (left > 0);
    } finally {
      closeSync(fd);
    }
    await done();
  }

  function fail(e: unknown): void {
    if (failed) return;
    failed = true;
    send({ type: 'error', job, ...describe(e) });
  }

  let inbox = Promise.resolve();
  if (file) readFile(file).catch(fail);
  return {
    release(slot) {
      release[slot]?.();
    },
    data(chunk) {
      inbox = inbox.then(async () => {
        await consume(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        send({ type: 'ack', job, bytes: chunk.byteLength });
      });
      inbox.catch(fail);
    },
    end() {
      inbox = inbox.then(finish);
      inbox.catch(fail);
    },
  };
}

let active: { job: number; handlers: JobHandlers } | undefined;
parentPort?.on('message', (m: ToWorker) => {
  if (m.type === 'start') {
    try {
      active = { job: m.job, handlers: startJob(m) };
    } catch (e: unknown) {
      // a job that cannot start (an unknown digest algorithm) fails alone
      send({ type: 'error', job: m.job, ...describe(e) });
    }
    return;
  }
  if (!active || m.job !== active.job) return;
  if (m.type === 'data') active.handlers.data(m.chunk);
  else if (m.type === 'end') active.handlers.end();
  else active.handlers.release(m.slot);
});
