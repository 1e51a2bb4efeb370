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
