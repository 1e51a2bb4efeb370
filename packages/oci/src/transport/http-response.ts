/**
 * The response both HTTP paths hand back (node's `http` in `http.ts`, the raw-socket GET in
 * `plain-get.ts`): status, headers and a body stream the caller must consume or discard.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

/** A response whose body the caller must consume or discard. */
export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Readable;
  url: string;
}
