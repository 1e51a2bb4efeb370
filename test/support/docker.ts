/**
 * The real Docker engine for tests (Debian's `docker.io`). `scripts/setup.sh` starts it; when it is
 * not running, tests start it the same way (vfs, no iptables, no bridge).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { waitFor } from './ports';

/** True when `docker info` answers. */
export function dockerAnswers(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure a Docker engine answers, starting `dockerd` when none does. Returns the started
 * daemon (detached: it outlives the caller unless the caller stops it), or undefined.
 */
export async function ensureDocker(): Promise<ChildProcess | undefined> {
  if (dockerAnswers()) return undefined;
  const log = openSync('/tmp/talos-kmod-test-dockerd.log', 'a');
  const child = spawn('dockerd', ['--storage-driver=vfs', '--iptables=false', '--bridge=none'], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  await waitFor('dockerd', async () => dockerAnswers(), 60_000);
  return child;
}

/** Runs `docker` with an argv and returns stdout; throws with stderr on failure. */
export function docker(
  args: readonly string[],
  options: { cwd?: string; input?: Buffer } = {},
): string {
  return execFileSync('docker', [...args], {
    cwd: options.cwd,
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
  });
}
