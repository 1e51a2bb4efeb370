/** Host names: loopback detection and the Docker Hub aliases. */
import { isIP } from 'node:net';

/** The registry name references use for Docker Hub. */
export const dockerHub = 'docker.io';

/** The host that actually serves Docker Hub's registry API. */
export const dockerHubApiHost = 'registry-1.docker.io';

/** The key `docker login` writes for Docker Hub in `config.json`. */
export const dockerHubConfigKey = 'https://index.docker.io/v1/';

/** Splits `host[:port]` / `[v6]:port` into the bare host and the port (if any). */
export function splitHostPort(hostPort: string): { host: string; port?: string } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort);
  if (v6) return { host: v6[1] ?? '', ...(v6[2] ? { port: v6[2] } : {}) };
  const i = hostPort.lastIndexOf(':');
  if (i > 0 && hostPort.indexOf(':') === i) {
    return { host: hostPort.slice(0, i), port: hostPort.slice(i + 1) };
  }
  return { host: hostPort };
}

/**
 * True for loopback hosts, with or without a port: `localhost`, `127.0.0.0/8`, `::1`. Registries
 * there are reached over plain HTTP when they do not speak TLS.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = splitHostPort(host.trim().toLowerCase()).host;
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * True when two host names belong to the same site: equal, or sharing their last two labels
 * (`auth.docker.io` and `registry-1.docker.io`). IP addresses must be equal. No public suffix
 * list: `a.co.uk` and `b.co.uk` count as one site, which only weakens a warning.
 */
export function sameSite(a: string, b: string): boolean {
  const x = a.toLowerCase().replace(/^\[|\]$/g, '');
  const y = b.toLowerCase().replace(/^\[|\]$/g, '');
  if (x === y) return true;
  const ip = /^[\d.]+$|:/;
  if (ip.test(x) || ip.test(y)) return false;
  const site = (h: string) => h.split('.').slice(-2).join('.');
  return site(x) === site(y);
}
