/**
 * Temporary directories that do not outlive the process: made under `RUNNER_TEMP` when an action
 * runs (the runner empties it after the job, and it is on the disk the job is meant to fill),
 * else the OS temporary directory, and removed on `remove()` or when the process is stopped with
 * SIGINT, SIGTERM or SIGHUP (Ctrl-C on a CLI inflating an archive must not leave gigabytes behind).
 */
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary directory and how to remove it. */
export interface TempDir {
  readonly path: string;
  /** Removes the directory and everything in it (idempotent). */
  remove(): Promise<void>;
}

const live = new Set<string>();
const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function onSignal(signal: NodeJS.Signals): void {
  for (const dir of live) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort: the process is going away
    }
  }
  live.clear();
  uninstall();
  // With no other listener, die of the signal as the default disposition would have.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  for (const s of signals) process.on(s, onSignal);
}

function uninstall(): void {
  for (const s of signals) process.off(s, onSignal);
}

/** Where temporary files go: `RUNNER_TEMP` in an action, else the OS temporary directory. */
export function tempRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.RUNNER_TEMP || tmpdir();
}

/** Creates `<tempRoot>/<prefix>XXXXXX`, removed by `remove()` or on SIGINT/SIGTERM/SIGHUP. */
export async function createTempDir(
  prefix: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TempDir> {
  const root = tempRoot(env);
  await mkdir(root, { recursive: true });
  const path = await mkdtemp(join(root, prefix));
  if (live.size === 0) install();
  live.add(path);
  return {
    path,
    async remove() {
      if (!live.delete(path)) return;
      if (live.size === 0) uninstall();
      await rm(path, { recursive: true, force: true });
    },
  };
}
