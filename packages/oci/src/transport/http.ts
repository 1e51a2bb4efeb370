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
import { plainGet } from './plain-get';

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

/** A response whose body the caller must consume or discard. */
export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Readable;
  url: string;
}

/** The two agent sets a client uses. */
export interface HttpAgents {
  verifying: HttpAgent;
  insecure: HttpAgent;
  close(): Promise<void>;
}

const requestTimeoutMs = 120_000;

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
  // node's http honours proxy variables when NODE_USE_ENV_PROXY is set; the raw socket does not
  if (
    options.bulk &&
    method === 'GET' &&
    body === undefined &&
    u.protocol === 'http:' &&
    !process.env.NODE_USE_ENV_PROXY
  ) {
    return plainGet(u, headers, { timeoutMs: requestTimeoutMs });
  }
  return new Promise((resolve, reject) => {
    const secure = u.protocol === 'https:';
    let sending = body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body);
    const req = (secure ? https : http).request(
      u,
      { method, headers, agent: secure ? agent.https : agent.http, timeout: requestTimeoutMs },
      (res) => {
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
    req.on('error', reject);
    req.on('timeout', () =>
      req.destroy(
        Object.assign(new Error(`no answer within ${requestTimeoutMs / 1000} s`), {
          code: 'ETIMEDOUT',
        }),
      ),
    );
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

/** Reads a whole body into memory. */
export async function readBytes(res: HttpResponse): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Reads at most `limit` characters of a body as text and discards the rest. */
export async function readText(res: HttpResponse, limit = 65536): Promise<string> {
  let text = '';
  for await (const chunk of res.body) {
    if (text.length < limit) text += (chunk as Buffer).toString('utf8');
  }
  return text.slice(0, limit);
}

/** Discards a body so the connection can be reused. */
export async function discard(res: HttpResponse): Promise<void> {
  const body = res.body;
  if (body.readableEnded || body.destroyed) return;
  await new Promise<void>((resolve) => {
    body.once('end', resolve);
    body.once('close', resolve);
    body.once('error', () => resolve());
    body.resume();
  });
}
