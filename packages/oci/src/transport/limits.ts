/**
 * Bounds on what a registry may send and how long it may take (issue: a manifest streamed
 * forever grew the process without limit; a silent registry held a source for minutes). Bodies
 * read into memory have a size cap each; every request has deadlines.
 */

/** Largest manifest or index read (the distribution registry itself refuses manifests over 4 MiB). */
export const maxManifestBytes = 4 * 1024 * 1024;
/** Largest image config read into memory. */
export const maxConfigBytes = 8 * 1024 * 1024;
/** Largest token response (a JWT and a few fields). */
export const maxTokenBytes = 1024 * 1024;
/** Largest tag list page. */
export const maxTagListBytes = 8 * 1024 * 1024;
/** How much of an error body is read (the rest is dropped with the connection). */
export const maxErrorBodyBytes = 8 * 1024;

/** How long a registry may take. Every field in milliseconds. */
export interface Timeouts {
  /** Reaching a registry: connecting and its `GET /v2/` ping, HTTPS and any HTTP fallback together (default 30 s). */
  connectMs: number;
  /**
   * One request: from the moment the request is sent until the response headers arrive, and
   * again for reading a small body (manifest, token, error) in full (default 60 s).
   */
  requestMs: number;
  /** No byte of a large body (a blob) for this long fails it (default 120 s). */
  idleMs: number;
}

/** The default {@link Timeouts}. */
export const defaultTimeouts: Timeouts = { connectMs: 30_000, requestMs: 60_000, idleMs: 120_000 };

/** `{ connectMs: 5000 }` → complete timeouts; non-positive or non-finite values are refused. */
export function resolveTimeouts(partial: Partial<Timeouts> | undefined): Timeouts {
  const t = { ...defaultTimeouts, ...partial };
  for (const [k, v] of Object.entries(t)) {
    if (!Number.isFinite(v) || v <= 0) {
      throw new RangeError(
        `registry timeout ${k} must be a positive number of milliseconds, not ${v}`,
      );
    }
  }
  return t;
}

/** A deadline error with the code the retry logic knows (`ETIMEDOUT`). */
export function timeoutError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ETIMEDOUT' });
}

/** "4 MiB", "8 KiB": how a limit is named in messages. */
export function formatLimit(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / 1024 / 1024} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
