/**
 * The messages between compress.ts and a compression worker (compress-worker.ts). A worker runs
 * one job at a time; every message carries its job number so that late messages of a failed job
 * are ignored.
 */
import type { FileRange } from '../sources/types';

/** Starts a job. Without `file`, the input arrives as `data` messages closed by `end`. */
export interface StartMessage {
  type: 'start';
  job: number;
  /** zlib levels, taken in turn by the layer's pieces (0: store every piece). */
  levels: number[];
  /** Output slots, each `slotSize` bytes, shared with the main thread. */
  slots: SharedArrayBuffer;
  slotSize: number;
  slotCount: number;
  /** How the input is hashed (the algorithm of its descriptor's digest). */
  digestAlgorithm: string;
  file?: FileRange;
}

/** Main thread → worker. */
export type ToWorker =
  | StartMessage
  /** Input bytes (moved), acknowledged with an `ack` once copied. */
  | { type: 'data'; job: number; chunk: Uint8Array }
  /** No more input. */
  | { type: 'end'; job: number }
  /** The main thread is done with an output slot. */
  | { type: 'release'; job: number; slot: number };

/** Worker → main thread. */
export type FromWorker =
  /** The next gzip member, in order, is in `slot`. */
  | { type: 'member'; job: number; slot: number; length: number }
  | { type: 'ack'; job: number; bytes: number }
  | {
      type: 'done';
      job: number;
      inputDigest: string;
      inputSize: number;
      digest: string;
      size: number;
    }
  | { type: 'error'; job: number; message: string; code?: string };
