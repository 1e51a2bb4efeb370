/**
 * Retries with exponential backoff, bounded in attempts and elapsed time, for temporary failures
 * only.
 */
import type { Logger } from '@talos-kmod/common';
import { describeError } from '@talos-kmod/common';
import { isRegistryError, isTemporaryNetworkError } from './errors';

/** How persistent to be with temporary failures. Defaults in {@link defaultRetryPolicy}. */
export interface RetryPolicy {
  /** Total attempts including the first (default 5). */
  attempts: number;
  /** First backoff delay (default 250 ms), doubled each retry with jitter. */
  minDelayMs: number;
  /** Upper bound of one delay, including a server's `Retry-After` (default 10 s). */
  maxDelayMs: number;
  /** No new attempt starts after this long since the first (default 120 s). */
  maxElapsedMs: number;
}

/** The default {@link RetryPolicy}. */
export const defaultRetryPolicy: RetryPolicy = {
  attempts: 5,
  minDelayMs: 250,
  maxDelayMs: 10_000,
  maxElapsedMs: 120_000,
};

/** An error that says how long to wait before retrying (429/503 with `Retry-After`). */
export interface RetryAfter {
  retryAfterMs?: number;
}

/** True when an error may pass on retry. */
export function isTemporary(e: unknown): boolean {
  if (isRegistryError(e)) return e.temporary;
  return isTemporaryNetworkError(e);
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `attempt` until it succeeds, fails permanently, or the policy is exhausted; the last error
 * is thrown. `attempt` gets the attempt number (0-based).
 */
export async function withRetry<T>(
  what: string,
  policy: RetryPolicy,
  logger: Logger,
  attempt: (n: number) => Promise<T>,
): Promise<T> {
  const start = Date.now();
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (e: unknown) {
      const elapsed = Date.now() - start;
      if (!isTemporary(e) || n + 1 >= policy.attempts || elapsed >= policy.maxElapsedMs) throw e;
      const backoff = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** n);
      const hinted = (e as RetryAfter).retryAfterMs;
      const jittered = backoff / 2 + Math.random() * (backoff / 2);
      const delay = Math.min(policy.maxDelayMs, hinted ?? jittered, policy.maxElapsedMs - elapsed);
      logger.debug(
        `${what}: ${describeError(e)}; retry ${n + 1}/${policy.attempts - 1} in ${Math.round(delay)} ms`,
      );
      await sleep(Math.max(0, delay));
    }
  }
}
