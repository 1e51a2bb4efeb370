/** Progress events: bytes done per blob, for progress bars. */

/** One progress update for one blob. */
export interface ProgressEvent {
  /** `upload` to a registry, `download` from one, `compress` while gzipping a layer before upload. */
  operation: 'upload' | 'download' | 'compress';
  /** The blob's digest (for `compress`, the uncompressed layer's digest). */
  digest: string;
  /** Bytes done so far. */
  done: number;
  /** Total bytes, when known. */
  total?: number;
  /** `running` while bytes move; `done` at the end; `exists`/`mounted` when nothing had to move. */
  status: 'running' | 'done' | 'exists' | 'mounted';
}

/** Calls `onProgress` at most every `everyBytes` (plus the final call). */
export function throttledProgress(
  onProgress: ((e: ProgressEvent) => void) | undefined,
  base: Omit<ProgressEvent, 'done' | 'status'>,
  everyBytes = 1 << 20,
): { add(n: number): void; finish(status?: ProgressEvent['status']): void } {
  let done = 0;
  let reported = 0;
  return {
    add(n) {
      done += n;
      if (onProgress && done - reported >= everyBytes) {
        reported = done;
        onProgress({ ...base, done, status: 'running' });
      }
    },
    finish(status = 'done') {
      onProgress?.({ ...base, done, status });
    },
  };
}
