/**
 * A real registry for tests: Debian's `docker-registry` (the CNCF distribution registry, the code
 * behind `registry:2`) on 127.0.0.1 and a free port, with its own temporary storage.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, waitFor } from './ports';

/** A running registry; `stop()` kills it and removes its storage. */
export interface TestRegistry {
  /** `127.0.0.1:<port>`: the registry part of image references. */
  readonly host: string;
  /** Base URL, `http://…` or `https://…`. */
  readonly url: string;
  /** The filesystem storage root (tests corrupt blobs here). */
  readonly storageDir: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Extra config merged into the registry's YAML (auth, TLS…), given the work directory. */
export type RegistryConfigExtra = (dir: string) => Record<string, unknown>;

/** Where Debian installs the registry binary. */
export const registryBinary = '/usr/bin/docker-registry';

/** Starts a registry; `extra` adds `auth`/`http.tls` sections for the auth variants. */
export async function startRegistry(
  options: { extra?: RegistryConfigExtra; scheme?: 'http' | 'https' } = {},
): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'registry-'));
  const port = await freePort();
  const storageDir = join(dir, 'storage');
  const extra = options.extra?.(dir) ?? {};
  const { http: extraHttp, ...rest } = extra as { http?: Record<string, unknown> };
  const config = {
    version: 0.1,
    log: { level: 'error', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: storageDir }, delete: { enabled: true } },
    http: { addr: `127.0.0.1:${port}`, secret: 'test-only-secret', ...extraHttp },
    ...rest,
  };
  const configPath = join(dir, 'config.yml');
  writeFileSync(configPath, stringify(config));
  // The log goes to a file, not a pipe: a caller blocked in spawnSync (the benchmarks) would not
  // drain a pipe, and a registry blocked on a full pipe stops answering.
  const logPath = join(dir, 'registry.log');
  const logFd = openSync(logPath, 'w');
  const child = spawn(registryBinary, ['serve', configPath], {
    stdio: ['ignore', 'ignore', logFd],
  });
  closeSync(logFd);
  const stderr = (): string => {
    try {
      return readFileSync(logPath, 'utf8').slice(-65536);
    } catch {
      return '';
    }
  };
  const scheme = options.scheme ?? 'http';
  const host = `127.0.0.1:${port}`;
  const url = `${scheme}://${host}`;
  try {
    await waitFor(`registry on ${host}`, async () => {
      if (child.exitCode !== null) throw new Error(`registry exited: ${stderr()}`);
      const net = await import('node:net');
      return new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
    });
  } catch (e) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    host,
    url,
    storageDir,
    process: child,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000).unref())]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
