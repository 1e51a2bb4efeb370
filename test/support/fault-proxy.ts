/**
 * A loopback HTTP proxy in front of a registry that fails a chosen share of requests with 500/503
 * or a connection reset, deterministically (every `n`-th request), to test retries.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';

/** How the proxy misbehaves; change `mode` between test steps. */
export interface FaultPlan {
  /** Fail every `every`-th request (1 = all); 0 disables failures. */
  every: number;
  /** Failures rotate through these kinds. */
  kinds: readonly ('500' | '503' | 'reset')[];
}

/** A running fault proxy. */
export interface FaultProxy {
  /** `127.0.0.1:<port>`: use as the registry host. */
  readonly host: string;
  plan: FaultPlan;
  readonly stats: { requests: number; failed: number };
  stop(): Promise<void>;
}

/** Starts a proxy forwarding to `target` (`127.0.0.1:<port>`). */
export async function startFaultProxy(target: string, plan: FaultPlan): Promise<FaultProxy> {
  const [targetHost, targetPort] = target.split(':');
  const stats = { requests: 0, failed: 0 };
  const proxy: { plan: FaultPlan } = { plan };
  const server: Server = createServer((req, res) => {
    stats.requests++;
    const { every, kinds } = proxy.plan;
    if (every > 0 && stats.requests % every === 0) {
      const kind = kinds[stats.failed % kinds.length] ?? '503';
      stats.failed++;
      if (kind === 'reset') {
        req.socket.destroy();
        return;
      }
      req.resume();
      res.writeHead(Number(kind), { 'content-type': 'application/json', connection: 'close' });
      res.end('{"errors":[{"code":"UNAVAILABLE","message":"injected by the fault proxy"}]}');
      return;
    }
    const upstream = httpRequest(
      {
        host: targetHost,
        port: Number(targetPort),
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
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
    },
    stats,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
