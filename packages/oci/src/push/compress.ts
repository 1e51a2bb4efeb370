/**
 * Gzips an uncompressed layer, as crane and skopeo do for `docker save` archives.
 *
 * The layer is cut into 1 MiB pieces, each written as its own gzip member (a multi-member gzip
 * file, RFC 1952 §2.2, which Go's, zlib's and GNU gzip's readers all read as one stream). That
 * lets pieces compress in parallel on the thread pool, and lets pieces that do not shrink
 * (already compressed files, random bytes) be stored instead of spending deflate time on them, as
 * Go's compressors used by skopeo do. Piece boundaries and decisions depend only on the bytes, so
 * the output, and with it the digest, is the same on every push.
 *
 * The work runs on a worker thread (compress-worker.ts): reading, hashing the input
 * against its digest, sampling, storing or deflating, and hashing the output, while this thread
 * only writes members to the connection. Members travel in a few shared buffers reused for the
 * whole layer: a fresh megabyte per piece costs more in page faults than the copy itself. A
 * layer that is a byte range of a local file (a `docker save` archive) is read by the worker
 * itself; any other stream is handed over chunk by chunk.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { UserError } from '@talos-kmod/common';
import { throttledProgress, type ProgressEvent } from '../blob/progress';
import { DigestMismatchError } from '../blob/verify';
import { digestHex, parseDigest, type Digest } from '../reference/digest';
import type { FileRange } from '../sources/types';
import type { FromWorker, StartMessage, ToWorker } from './compress-protocol';
import { loadWorkerProgram } from './compress-worker-program';

/** A compressed layer on disk. */
export interface CompressedLayer {
  path: string;
  digest: Digest;
  size: number;
  open(): Readable;
}

/**
 * What to compress: a byte range of a file, checked here against `digest` and `size` (the
 * layer's descriptor), or a stream that is already being checked by its source. `what` names
 * the layer in errors (`layer 2 (sha256:…)`).
 */
export type LayerInput =
  | { file: FileRange; digest: Digest; size: number; what: string }
  | { stream: Readable; what?: string };

/**
 * Receives each gzip member in order. The bytes are a view of a buffer reused once the returned
 * promise settles: write them out (or copy them) before resolving.
 */
export type MemberSink = (member: Buffer) => Promise<void>;

/** The compressed bytes' digest and size. */
export interface Compressed {
  digest: Digest;
  size: number;
}

const pieceBytes = 1024 * 1024;
/** A stored member of a full piece: gzip header and trailer, and 5 bytes per 64 KiB block. */
const slotSize = 10 + Math.ceil(pieceBytes / 0xffff) * 5 + pieceBytes + 8;
const slotCount = 4;
/** Input handed to the worker and not yet copied by it. */
const inputWindow = 4 * 1024 * 1024;

type Done = Extract<FromWorker, { type: 'done' }>;

/**
 * Compression workers, kept between layers (starting one costs tens of milliseconds): one per
 * core beyond the first, which writes to the network. Idle workers do not keep the process alive
 * and are stopped after a short while.
 */
const poolSize = Math.max(1, Math.min(4, availableParallelism() - 1));
const idle: Worker[] = [];
/** Callers waiting for a worker, first come first served. */
const waiting: { resolve: (w: Worker) => void; reject: (e: unknown) => void }[] = [];
let running = 0;
let jobs = 0;
/** An idle worker is stopped after this long (the next layer of a push comes well within it). */
const idleMs = 2000;
const idleTimers = new Map<Worker, NodeJS.Timeout>();

async function acquire(): Promise<Worker> {
  const w = idle.pop();
  if (w) {
    clearTimeout(idleTimers.get(w));
    idleTimers.delete(w);
    w.ref();
    return w;
  }
  if (running < poolSize) {
    running++;
    try {
      return new Worker(await loadWorkerProgram(), { eval: true });
    } catch (e: unknown) {
      running--;
      wakeNext();
      throw e;
    }
  }
  return new Promise<Worker>((resolve, reject) => waiting.push({ resolve, reject }));
}

/** A worker's place came free: the next waiting caller starts one (and hears if that fails). */
function wakeNext(): void {
  const next = waiting.shift();
  if (next) acquire().then(next.resolve, next.reject);
}

/**
 * Starts a compression worker ahead of the first layer, when none is alive, so that its start-up
 * (tens of milliseconds, more on a busy machine) overlaps the push's first requests. The worker
 * waits idle, as one a job has given back does. A failure here is left to the first job to meet.
 */
export function warmCompressor(): void {
  if (running > 0) return;
  acquire().then(giveBack, () => undefined);
}

/** Returns a worker whose jobs all ended cleanly to the pool (or to whoever waits for one). */
function giveBack(w: Worker): void {
  const next = waiting.shift();
  if (next) {
    next.resolve(w);
    return;
  }
  w.unref();
  idle.push(w);
  const timer = setTimeout(() => {
    idleTimers.delete(w);
    const at = idle.indexOf(w);
    if (at < 0) return;
    idle.splice(at, 1);
    running--;
    void w.terminate();
  }, idleMs);
  timer.unref();
  idleTimers.set(w, timer);
}

/** How many compression workers are alive, and how many of them are idle (for tests). */
export function compressWorkerCount(): { running: number; idle: number } {
  return { running, idle: idle.length };
}

/** Stops a worker whose job failed midway (it may still be waiting on slots); makes room for one. */
function discard(w: Worker): void {
  running--;
  w.unref(); // a worker on its way out never holds the process open
  void w.terminate();
  wakeNext();
}

/**
 * A zlib level for every piece (0 stores), or levels the pieces take in turn: `[4, 2]` deflates
 * the first piece at 4, the second at 2, the third at 4… (the layer's size and CPU time fall
 * between those of the two levels; push.ts's default).
 */
export type GzipLevel = number | readonly number[];

/** Runs jobs one after another on a worker held by {@link withCompressor}. */
export type Compressor = (
  input: LayerInput,
  level: GzipLevel,
  sink: MemberSink,
) => Promise<Compressed>;

/**
 * Reserves a compression worker, then runs `fn`, so that a caller first waits for a worker and
 * only then opens an upload (an upload waiting for a worker would sit idle on an open
 * connection). The reserved worker runs the first job; a worker goes back to the pool as soon as
 * its job ends, so the next layer compresses while this one's upload is being closed. A later
 * job (a retried upload) takes a worker again; a job that failed midway costs its worker.
 */
export async function withCompressor<T>(fn: (compress: Compressor) => Promise<T>): Promise<T> {
  let reserved: Worker | undefined = await acquire();
  try {
    return await fn(async (input, level, sink) => {
      const worker = reserved ?? (await acquire());
      reserved = undefined;
      return runJob(worker, input, level, sink, (clean) => {
        if (clean) giveBack(worker);
        else discard(worker);
      });
    });
  } finally {
    if (reserved) giveBack(reserved);
  }
}

/**
 * Gzips `input` (see the module comment), handing each member to `sink` in order, and resolves
 * with the digest and size of all members. Rejects with the first failure of the input, the
 * compression or the sink; a file range that does not match its digest is a
 * {@link DigestMismatchError}.
 */
export function compressLayer(
  input: LayerInput,
  level: GzipLevel,
  sink: MemberSink,
): Promise<Compressed> {
  return withCompressor((compress) => compress(input, level, sink));
}

/**
 * A failure the worker reported, naming the layer. Reading an archive (a file cut short or gone,
 * an I/O error) is the user's to fix; anything else is ours and keeps the worker's code.
 */
function workerError(m: { message: string; code?: string }, input: LayerInput): Error {
  const layer = input.what ?? 'a layer';
  if ('file' in input && m.code && /^E[A-Z]+$/.test(m.code)) {
    return new UserError(
      `cannot read ${layer} in ${input.file.path}: ${m.message}; check that the archive is complete and readable (re-export it with docker save), then push again`,
    );
  }
  return Object.assign(
    new Error(`compressing ${layer} failed: ${m.message}`),
    m.code ? { code: m.code } : {},
  );
}

/**
 * Each worker's output slots, made with the worker and reused by all its jobs (one at a time):
 * fresh memory for every layer costs more in page faults than the compression of a small layer.
 * A worker whose job failed is discarded with its slots, which a late write may still read.
 */
const workerSlots = new WeakMap<Worker, SharedArrayBuffer>();

function slotsOf(worker: Worker): SharedArrayBuffer {
  let slots = workerSlots.get(worker);
  if (!slots) {
    slots = new SharedArrayBuffer(slotSize * slotCount);
    workerSlots.set(worker, slots);
  }
  return slots;
}

/** Sends a typed message to a worker (`transfer`: buffers moved, not copied). */
function post(worker: Worker, m: ToWorker, transfer?: ArrayBuffer[]): void {
  worker.postMessage(m, transfer);
}

/** One job on `worker`; `ended(clean)` says whether the worker can take another. */
async function runJob(
  worker: Worker,
  input: LayerInput,
  level: GzipLevel,
  sink: MemberSink,
  ended: (clean: boolean) => void,
): Promise<Compressed> {
  const job = ++jobs;
  const slots = slotsOf(worker);
  const levels = typeof level === 'number' ? [level] : [...level];
  const file = 'file' in input ? input.file : undefined;
  const stream = 'stream' in input ? input.stream : undefined;
  let settled = false;
  let clean = false;
  let onMessage: ((m: FromWorker) => void) | undefined;
  let onError: ((e: unknown) => void) | undefined;
  let onExit: ((code: number) => void) | undefined;
  try {
    const done = await new Promise<Done>((resolve, reject) => {
      const fail = (e: unknown): void => {
        if (settled) return;
        settled = true;
        reject(e);
      };
      let emitted: Promise<void> = Promise.resolve();
      let inFlight = 0;
      let wake: (() => void) | undefined;
      onMessage = (m) => {
        if (m.job !== job) return;
        switch (m.type) {
          case 'member':
            emitted = emitted
              .then(() => sink(Buffer.from(slots, m.slot * slotSize, m.length)))
              .then(() => post(worker, { type: 'release', job, slot: m.slot }));
            emitted.catch(fail);
            break;
          case 'ack':
            inFlight -= m.bytes;
            wake?.();
            break;
          case 'done':
            void emitted.then(() => {
              settled = true;
              resolve(m);
            }, fail);
            break;
          case 'error':
            fail(workerError(m, input));
            break;
        }
      };
      onError = (e) =>
        fail(workerError({ message: e instanceof Error ? e.message : String(e) }, input));
      onExit = (code) =>
        fail(
          new Error(`the compression worker stopped (exit ${code}) on ${input.what ?? 'a layer'}`),
        );
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      const start: StartMessage = {
        type: 'start',
        job,
        levels,
        slots,
        slotSize,
        slotCount,
        digestAlgorithm: ('digest' in input && input.digest.split(':')[0]) || 'sha256',
        ...(file ? { file } : {}),
      };
      post(worker, start);
      if (!stream) return;
      void (async () => {
        for await (const chunk of stream) {
          if (settled) return;
          // A copy of just these bytes, moved to the worker: the stream's owner may still hold
          // the chunk, and posting a view would clone its whole underlying buffer.
          const data = new Uint8Array(chunk as Buffer);
          inFlight += data.length;
          post(worker, { type: 'data', job, chunk: data }, [data.buffer]);
          while (inFlight >= inputWindow && !settled) {
            await new Promise<void>((r) => (wake = r));
            wake = undefined;
          }
        }
        if (!settled) post(worker, { type: 'end', job });
      })().catch(fail);
    });
    clean = true;
    if (file && 'digest' in input) {
      if (done.inputSize !== input.size) {
        throw new DigestMismatchError(
          input.what,
          `${input.size} bytes`,
          `${done.inputSize} bytes`,
          `${input.what} has ${done.inputSize} bytes but its descriptor says ${input.size}; the content is truncated or corrupt`,
        );
      }
      if (done.inputDigest !== input.digest) {
        throw new DigestMismatchError(input.what, input.digest, done.inputDigest);
      }
    }
    return {
      digest: parseDigest(done.digest, 'digest from the compression worker'),
      size: done.size,
    };
  } finally {
    settled = true;
    stream?.destroy();
    if (onMessage) worker.off('message', onMessage);
    if (onError) worker.off('error', onError);
    if (onExit) worker.off('exit', onExit);
    ended(clean);
  }
}

/** Compresses `input` into `dir` (for clients that cannot stream an upload of unknown digest). */
export async function gzipToFile(
  input: LayerInput,
  dir: string,
  sourceDigest: Digest,
  level: GzipLevel,
  onProgress?: (e: ProgressEvent) => void,
): Promise<CompressedLayer> {
  const path = join(dir, `${digestHex(sourceDigest)}.tar.gz`);
  const progress = throttledProgress(onProgress, { operation: 'compress', digest: sourceDigest });
  const out = createWriteStream(path);
  const closed = new Promise<void>((resolve, reject) => {
    out.on('close', resolve);
    out.on('error', reject);
  });
  let compressed: Compressed;
  try {
    compressed = await compressLayer(input, level, (member) => {
      progress.add(member.length);
      return new Promise<void>((resolve, reject) =>
        out.write(member, (e) => (e ? reject(e) : resolve())),
      );
    });
  } catch (e: unknown) {
    out.destroy();
    throw e;
  }
  out.end();
  await closed;
  progress.finish();
  return { path, ...compressed, open: () => createReadStream(path, { highWaterMark: 1 << 20 }) };
}
