/**
 * The HTTP layer under the registry transport: undici agents (one verifying TLS with the system
 * roots plus any extra CA, one that does not verify, for hosts the user marked insecure).
 */
import { rootCertificates } from 'node:tls';
import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';

/** Body of a request: bytes, or a stream made fresh for each attempt. */
export type RequestBody = Buffer | string | Readable | undefined;

/** A response whose body the caller must consume or dump. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
  url: string;
}

/** The two agents a client uses. */
export interface HttpAgents {
  verifying: Agent;
  insecure: Agent;
  close(): Promise<void>;
}

/** Creates the agents; `ca` (PEM) is trusted in addition to the system roots. */
export function createAgents(ca?: string | Buffer): HttpAgents {
  const common = { keepAliveTimeout: 10_000, headersTimeout: 120_000, bodyTimeout: 120_000 };
  const verifying = new Agent({
    ...common,
    connect: ca ? { ca: [...rootCertificates, ca.toString()] } : {},
  });
  const insecure = new Agent({ ...common, connect: { rejectUnauthorized: false } });
  return {
    verifying,
    insecure,
    close: async () => {
      await Promise.all([verifying.close(), insecure.close()]);
    },
  };
}

/** Sends one request (no retries, no redirects). */
export async function send(
  agent: Dispatcher,
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: RequestBody,
): Promise<HttpResponse> {
  const res = await request(url, {
    method: method as Dispatcher.HttpMethod,
    headers,
    body: body ?? null,
    dispatcher: agent,
  });
  return { status: res.statusCode, headers: res.headers, body: res.body, url };
}

/** A single header value (the first when repeated). */
export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
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
  try {
    await res.body.dump();
  } catch {
    // a body that fails while being discarded does not matter
  }
}
