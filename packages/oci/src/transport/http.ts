/**
 * The HTTP layer under the registry transport, on node's own `http`/`https` with keep-alive
 * agents: one set verifying TLS with the system roots plus any extra CA, one that does not verify,
 * for hosts the user marked insecure. Blob downloads over plain HTTP go to `plain-get.ts` instead
 * (a raw socket reading into reused pieces).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable, Writable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { UserError, redactUrl } from '@talos-kmod/common';
import { defaultTimeouts, formatLimit, timeoutError } from './limits';
import type { HttpResponse } from './http-response';
import { plainGet } from './plain-get';

export type { HttpResponse } from './http-response';

/**
 * Writes a request body itself, resolving when done (the request is then ended). Unlike a piped
 * stream, the writer learns when each write has reached the socket, so it can reuse its buffers.
 */
export type BodyWriter = (sink: Writable) => Promise<void>;

/** Body of a request: bytes, a stream, or a writer; streams and writers are made per attempt. */
export type RequestBody = Buffer | string | Readable | BodyWriter | undefined;

/** Agents for both schemes. */
export interface HttpAgent {
  http: http.Agent;
  https: https.Agent;
}

/** The two agent sets a client uses. */
export interface HttpAgents {
  verifying: HttpAgent;
  insecure: HttpAgent;
  close(): Promise<void>;
}

/** Creates the agents; `ca` (PEM) is trusted in addition to the system roots. */
export function createAgents(ca?: string | Buffer): HttpAgents {
  const common = { keepAlive: true, keepAliveMsecs: 10_000, scheduling: 'lifo' as const };
  const plain = new http.Agent(common);
  const verifying: HttpAgent = {
    http: plain,
    https: new https.Agent({
      ...common,
      ...(ca ? { ca: [...rootCertificates, ca.toString()] } : {}),
    }),
  };
  const insecure: HttpAgent = {
    http: plain,
    https: new https.Agent({ ...common, rejectUnauthorized: false }),
  };
  return {
    verifying,
    insecure,
    close: async () => {
      plain.destroy();
      verifying.https.destroy();
      insecure.https.destroy();
    },
  };
}

/** How a request is sent. */
export interface SendOptions {
  /**
   * A large body the caller reads once (a blob): over plain HTTP it is read with
   * {@link plainGet} into pooled pieces instead of node's per-read buffers.
   */
  bulk?: boolean;
  /** No answer (response headers) this long after the request was sent fails it (default 60 s). */
  deadlineMs?: number;
  /** No bytes on the connection for this long fails it (default 120 s). */
  idleMs?: number;
  /** Aborts the request (connecting included). */
  signal?: AbortSignal;
}

/** Sends one request (no retries, no redirects); resolves when the response headers arrive. */
export function send(
  agent: HttpAgent,
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: RequestBody,
  options: SendOptions = {},
): Promise<HttpResponse> {
  const u = new URL(url);
  const deadlineMs = options.deadlineMs ?? defaultTimeouts.requestMs;
  const idleMs = options.idleMs ?? defaultTimeouts.idleMs;
  // node's http honours proxy variables when NODE_USE_ENV_PROXY is set; the raw socket does not
  if (
    options.bulk &&
    method === 'GET' &&
    body === undefined &&
    u.protocol === 'http:' &&
    !process.env.NODE_USE_ENV_PROXY
  ) {
    return plainGet(u, headers, { timeoutMs: idleMs, deadlineMs });
  }
  return new Promise((resolve, reject) => {
    const secure = u.protocol === 'https:';
    let sending = body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body);
    let deadline: NodeJS.Timeout | undefined;
    const req = (secure ? https : http).request(
      u,
      {
        method,
        headers,
        agent: secure ? agent.https : agent.http,
        timeout: idleMs,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (res) => {
        clearTimeout(deadline);
        // A server that answers (an error, usually) before it has read the whole body may stop
        // reading: once its answer has been read, stop sending, or the writer (and a
        // compression worker feeding it) would wait on the socket forever.
        const stop = (): void => {
          if (sending) req.destroy(new Error('the registry answered before the upload was sent'));
        };
        res.once('end', stop);
        res.once('close', stop);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url });
      },
    );
    req.on('error', (e) => {
      clearTimeout(deadline);
      reject(e);
    });
    req.on('timeout', () =>
      req.destroy(timeoutError(`no data from ${u.host} for ${idleMs / 1000} s`)),
    );
    // The answer is due once the whole request has been sent: an upload may take long to send.
    req.on('finish', () => {
      deadline = setTimeout(
        () =>
          req.destroy(
            timeoutError(`${u.host} sent no answer within ${deadlineMs / 1000} s of the request`),
          ),
        deadlineMs,
      );
      deadline.unref();
    });
    if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) {
      req.end(body);
      return;
    }
    if (typeof body === 'function') {
      body(req).then(
        () => {
          sending = false;
          req.end();
        },
        (e: unknown) => {
          sending = false;
          req.destroy(e instanceof Error ? e : new Error(String(e)));
        },
      );
      return;
    }
    body.on('error', (e) => req.destroy(e));
    body.on('end', () => (sending = false));
    body.pipe(req);
  });
}

/** A single header value (the first when repeated). */
export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** A response body larger than the cap for what it holds. */
export class ResponseTooLargeError extends UserError {
  constructor(
    readonly url: string,
    readonly limit: number,
    what: string,
  ) {
    super(
      `${new URL(url).host} sent more than ${formatLimit(limit)} for ${what} (the limit for ${what}): the registry is misbehaving or the address is not a registry; check the image reference`,
    );
  }
}

/** How a small body is read: its cap, what it is (for the error), and a deadline. */
export interface ReadLimits {
  /** Most bytes accepted; more fails with {@link ResponseTooLargeError}. */
  limit: number;
  /** What the body holds, for messages: `a manifest`. */
  what: string;
  /** The whole body must arrive within this long (default 60 s). */
  deadlineMs?: number;
}

/** Reads a whole body into memory, within a size cap and a deadline. */
export async function readBytes(res: HttpResponse, limits: ReadLimits): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const deadlineMs = limits.deadlineMs ?? defaultTimeouts.requestMs;
  const timer = setTimeout(
    () =>
      res.body.destroy(
        timeoutError(
          `${redactUrl(res.url)} did not send ${limits.what} in full within ${deadlineMs / 1000} s`,
        ),
      ),
    deadlineMs,
  );
  timer.unref();
  try {
    for await (const chunk of res.body) {
      total += (chunk as Buffer).length;
      if (total > limits.limit) {
        res.body.destroy();
        throw new ResponseTooLargeError(res.url, limits.limit, limits.what);
      }
      chunks.push(chunk as Buffer);
    }
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads at most `limit` bytes of a body as text; a longer body is cut there and its connection
 * dropped (an error body that never ends must not hold the request).
 */
export async function readText(
  res: HttpResponse,
  limit: number,
  deadlineMs = defaultTimeouts.requestMs,
): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  const timer = setTimeout(() => res.body.destroy(), deadlineMs);
  timer.unref();
  try {
    for await (const chunk of res.body) {
      const c = chunk as Buffer;
      chunks.push(c.subarray(0, Math.max(0, limit - total)));
      total += c.length;
      if (total >= limit) {
        res.body.destroy();
        break;
      }
    }
  } catch {
    // what arrived before the body failed is still worth showing
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Discards a body so the connection can be reused; a long or endless one is cut off instead. */
export async function discard(res: HttpResponse, limit = 64 * 1024): Promise<void> {
  const body = res.body;
  if (body.readableEnded || body.destroyed) return;
  await new Promise<void>((resolve) => {
    let seen = 0;
    const timer = setTimeout(() => body.destroy(), defaultTimeouts.requestMs);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    body.on('data', (c: Buffer) => {
      seen += c.length;
      if (seen > limit) body.destroy();
    });
    body.once('end', done);
    body.once('close', done);
    body.once('error', done);
    body.resume();
  });
}
