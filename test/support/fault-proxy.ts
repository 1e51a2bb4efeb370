/**
 * A loopback HTTP proxy in front of a real registry that misbehaves on a chosen share of
 * requests, deterministically (every `every`-th request the plan applies to), to test retries,
 * resumes and deadlines:
 *
 * - `500`, `503`: an error answer; `reset`: the connection is dropped before any answer;
 * - `429`: rate limited with `Retry-After: retryAfterSeconds`; the same request (method and
 *   path) arriving again before that time has passed is rate limited again and counted in
 *   `stats.early` (a client that ignores the hint keeps hitting the limit);
 * - `cut`: the registry's answer to a GET is forwarded but its body stops halfway (connection
 *   dropped);
 * - `lost-upload`: an upload PATCH/PUT answered `404 BLOB_UPLOAD_UNKNOWN` (a registry restarted
 *   and lost the session);
 * - `silent`: the connection is accepted and never answered;
 * - `endless`: `200` with a manifest media type and a body that never ends (headers alone for HEAD);
 * - `endless-error`: `404` with a JSON-looking error body that never ends (idem).
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { prng } from './fuzz-mutate';

/** Ways a request can fail. */
export type FaultKind =
  '500' | '503' | 'reset' | '429' | 'cut' | 'lost-upload' | 'silent' | 'endless' | 'endless-error';

/** How the proxy misbehaves; change it between test steps. */
export interface FaultPlan {
  /** Fail every `every`-th request the plan applies to (1 = all); 0 disables failures. */
  every: number;
  /**
   * Failures rotate through these kinds, in order from the first for each new plan; a kind that
   * cannot happen to a request (`lost-upload` to anything but an upload write, `cut` to anything
   * but a GET) is passed over for the next one that can.
   */
  kinds: readonly FaultKind[];
  /** Requests the plan applies to (default all); the others always pass. */
  only?: (method: string, path: string) => boolean;
  /** `Retry-After` of a `429`, in seconds (default 1). */
  retryAfterSeconds?: number;
  /** Inject at most this many faults (default unlimited). */
  times?: number;
  /**
   * Fail each eligible request with chance 1/`every`, and pick its kind among those that can
   * happen to it, from a generator seeded with this number instead of in turn: the same seed
   * gives the same faults to the same sequence of requests, without the rotation falling into
   * step with a client's own request pattern.
   */
  seed?: number;
}

/** What the proxy saw. */
export interface FaultStats {
  requests: number;
  failed: number;
  /** Requests repeated while their `429`'s `Retry-After` had not passed yet. */
  early: number;
  /** Requests carrying a `Range` header (resumed downloads). */
  ranged: number;
  /** Every request: method, path (query dropped), and the fault injected, if any. */
  log: { method: string; path: string; fault?: FaultKind | 'early-429' }[];
}

/** A running fault proxy. */
export interface FaultProxy {
  /** `127.0.0.1:<port>`: use as the registry host. */
  readonly host: string;
  plan: FaultPlan;
  readonly stats: FaultStats;
  stop(): Promise<void>;
}

const manifestType = 'application/vnd.oci.image.manifest.v1+json';

/**
 * Writes `chunk` forever, as fast as the client reads, until the connection closes. An answer to
 * HEAD has no body (node drops the writes and `write` keeps returning true, which would spin
 * here forever): it gets the headers alone.
 */
function writeForever(req: IncomingMessage, res: ServerResponse, chunk: Buffer): void {
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  res.on('close', () => res.removeAllListeners('drain'));
  pump();
}

/**
 * Whether a fault can happen to a request: only an upload write can find its session lost, and
 * only a GET has a body to cut or to stream forever (HEAD gets the headers alone); every other
 * fault can hit any request.
 */
function applies(kind: FaultKind, method: string, path: string): boolean {
  if (kind === 'lost-upload') {
    return (method === 'PATCH' || method === 'PUT') && /\/blobs\/uploads\/./.test(path);
  }
  if (kind === 'cut') return method === 'GET';
  if (kind === 'endless') return method === 'GET' || method === 'HEAD';
  return true;
}

/** Starts a proxy forwarding to `target` (`127.0.0.1:<port>`). */
export async function startFaultProxy(target: string, plan: FaultPlan): Promise<FaultProxy> {
  const [targetHost, targetPort] = target.split(':');
  const stats: FaultStats = { requests: 0, failed: 0, early: 0, ranged: 0, log: [] };
  const proxy: { plan: FaultPlan } = { plan };
  let eligible = 0;
  let injected = 0;
  let turn = 0;
  let random = plan.seed === undefined ? undefined : prng(plan.seed);
  const rateLimitedUntil = new Map<string, number>();
  const sockets = new Set<Socket>();

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    onResponse?: (up: IncomingMessage) => boolean,
  ) => {
    const upstream = httpRequest(
      {
        host: targetHost,
        port: Number(targetPort),
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (up) => {
        if (onResponse?.(up)) return;
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };

  const inject = (kind: FaultKind, req: IncomingMessage, res: ServerResponse): void => {
    switch (kind) {
      case 'reset':
        req.socket.destroy();
        return;
      case 'silent':
        req.resume();
        return; // never answered; stop() closes it
      case '429': {
        const seconds = proxy.plan.retryAfterSeconds ?? 1;
        rateLimitedUntil.set(
          `${req.method ?? 'GET'} ${req.url ?? ''}`,
          Date.now() + seconds * 1000,
        );
        req.resume();
        res.writeHead(429, {
          'content-type': 'application/json',
          'retry-after': String(seconds),
          connection: 'close',
        });
        res.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"injected by the fault proxy"}]}');
        return;
      }
      case 'lost-upload':
        req.resume();
        res.writeHead(404, { 'content-type': 'application/json', connection: 'close' });
        res.end('{"errors":[{"code":"BLOB_UPLOAD_UNKNOWN","message":"blob upload unknown"}]}');
        return;
      case 'endless':
        req.resume();
        res.writeHead(200, { 'content-type': manifestType });
        writeForever(req, res, Buffer.alloc(64 * 1024, 0x20));
        return;
      case 'endless-error':
        req.resume();
        res.writeHead(404, { 'content-type': 'application/json' });
        res.write('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"');
        writeForever(req, res, Buffer.alloc(64 * 1024, 0x78));
        return;
      case 'cut':
        forward(req, res, (up) => {
          const length = Number(up.headers['content-length'] ?? 0);
          if (req.method !== 'GET' || !(length > 1)) return false;
          res.writeHead(up.statusCode ?? 502, up.headers);
          let sent = 0;
          const half = Math.floor(length / 2);
          up.on('data', (c: Buffer) => {
            if (sent >= half) return;
            const part = c.subarray(0, half - sent);
            sent += part.length;
            if (sent < half) {
              res.write(part);
              return;
            }
            up.destroy();
            // drop the connection once the half has reached the client
            res.write(part, () => res.socket?.destroy());
          });
          return true;
        });
        return;
      default:
        req.resume();
        res.writeHead(Number(kind), { 'content-type': 'application/json', connection: 'close' });
        res.end('{"errors":[{"code":"UNAVAILABLE","message":"injected by the fault proxy"}]}');
    }
  };

  const server: Server = createServer((req, res) => {
    stats.requests++;
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').replace(/\?.*$/, '');
    const entry: FaultStats['log'][number] = { method, path };
    stats.log.push(entry);
    if (req.headers.range) stats.ranged++;
    const until = rateLimitedUntil.get(`${method} ${req.url ?? ''}`) ?? 0;
    if (Date.now() < until) {
      stats.early++;
      entry.fault = 'early-429';
      const left = Math.ceil((until - Date.now()) / 1000);
      req.resume();
      res.writeHead(429, { 'retry-after': String(left), connection: 'close' });
      res.end();
      return;
    }
    const { every, kinds, only, times } = proxy.plan;
    const possible = kinds.filter((k) => applies(k, method, path));
    // the next kind in the rotation that can happen to this request
    const offset = kinds.findIndex((_k, i) => {
      const k = kinds[(turn + i) % kinds.length];
      return k !== undefined && applies(k, method, path);
    });
    if (
      every > 0 &&
      offset >= 0 &&
      (only?.(method, path) ?? true) &&
      !(injected >= (times ?? Infinity))
    ) {
      eligible++;
      const fails = random ? random() * every < 1 : eligible % every === 0;
      if (fails) {
        let kind: FaultKind;
        if (random) {
          kind = possible[Math.floor(random() * possible.length)] ?? '503';
        } else {
          kind = kinds[(turn + offset) % kinds.length] ?? '503';
          turn += offset + 1;
        }
        stats.failed++;
        injected++;
        entry.fault = kind;
        inject(kind, req, res);
        return;
      }
    }
    forward(req, res);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    get plan() {
      return proxy.plan;
    },
    set plan(p: FaultPlan) {
      proxy.plan = p;
      eligible = 0;
      injected = 0;
      turn = 0;
      random = p.seed === undefined ? undefined : prng(p.seed);
      rateLimitedUntil.clear();
    },
    stats,
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
