/**
 * The sha256 and sha512 of a module's source tarball, computed while it streams in (bldr checks
 * both: siderolabs/bldr `sources` steps). The HTTP client is injected so tests use a loopback
 * server and callers can add a proxy-aware one.
 */
import { createHash } from 'node:crypto';
import { InputError, UserError, describeError, redactUrl, type Logger } from '@talos-kmod/common';

/** The subset of WHATWG `fetch` the download uses (the global `fetch` fits). */
export type FetchFn = (
  url: string,
  init: { signal: AbortSignal; redirect: 'follow'; headers: Record<string, string> },
) => Promise<Response>;

/** Checksums of one download. */
export interface SourceChecksums {
  readonly sha256: string;
  readonly sha512: string;
  readonly bytes: number;
}

const offlineHint = 'or give --sha256 and --sha512 to work without downloading';

/** The useful part of a fetch failure (undici puts the socket error in `cause`). */
function causeOf(e: unknown): string {
  // Duck-typed: errors may come from another realm (jest's VM context), so no instanceof.
  const err = (typeof e === 'object' && e !== null ? e : {}) as {
    name?: unknown;
    message?: unknown;
    cause?: unknown;
  };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
  const cause = (typeof err.cause === 'object' && err.cause !== null ? err.cause : undefined) as
    { code?: unknown; message?: unknown } | undefined;
  if (cause && typeof cause.message === 'string') {
    return typeof cause.code === 'string' ? `${cause.code} (${cause.message})` : cause.message;
  }
  return typeof err.message === 'string' ? err.message : describeError(e);
}

/** Downloads `url` and hashes it; every failure is a UserError naming the URL. */
export async function downloadChecksums(
  url: string,
  options: { fetch: FetchFn; logger: Logger; timeoutMs?: number },
): Promise<SourceChecksums> {
  const shown = redactUrl(url);
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  options.logger.info(`downloading ${shown} to compute its checksums`);
  let res: Response;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    res = await options.fetch(url, {
      signal,
      redirect: 'follow',
      headers: { 'user-agent': 'talos-kmod new-module' },
    });
  } catch (e: unknown) {
    throw new UserError(
      `could not download the source tarball ${shown}: ${causeOf(e)}. Check the source URL and version, ${offlineHint}`,
      { cause: e },
    );
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    // 4xx: the URL or version is wrong (an input error); 5xx: the server failed.
    const Failure = res.status >= 400 && res.status < 500 ? InputError : UserError;
    throw new Failure(
      `downloading the source tarball ${shown} returned HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}: ` +
        `check that the version exists upstream and the source URL pattern is right, ${offlineHint}`,
    );
  }
  const sha256 = createHash('sha256');
  const sha512 = createHash('sha512');
  let bytes = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      sha256.update(chunk);
      sha512.update(chunk);
      bytes += chunk.byteLength;
    }
  } catch (e: unknown) {
    throw new UserError(
      `the download of ${shown} broke off after ${bytes} bytes: ${causeOf(e)}. Retry, ${offlineHint}`,
      { cause: e },
    );
  }
  options.logger.info(`downloaded ${bytes} bytes from ${shown}`);
  return { sha256: sha256.digest('hex'), sha512: sha512.digest('hex'), bytes };
}
