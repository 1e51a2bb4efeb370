/**
 * Compressed archives are inflated to a temporary file: under RUNNER_TEMP when set, capped, and
 * removed when the CLI is stopped with a real SIGINT/SIGTERM in the middle of inflating. The
 * source is a FIFO the test feeds, so the CLI is held mid-inflation without racing a timer.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot } from '../support/action';
import { tempDir } from './fixtures';
import { packTar } from '../../packages/oci/test/helpers/tar-bytes';

let work: string;
let bomb: Buffer;

beforeAll(async () => {
  work = tempDir('archive-inflate');
  // 16 MiB of zeros in one member: about 16 KiB gzipped.
  bomb = gzipSync(await packTar([{ name: 'zeros', content: '\0'.repeat(16 * 1024 * 1024) }]), {
    level: 9,
  });
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

function startCli(args: string[], env: NodeJS.ProcessEnv): ChildProcess & { output: () => string } {
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'packages/cli/dist/talos-kmod.cjs'), ...args],
    {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  return Object.assign(child, { output: () => out });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Polls `check` every 10 ms for at most `ms` (bounded, not a timing assertion). */
async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a compressed archive inflating to disk', () => {
  it('stops at TALOS_KMOD_MAX_INFLATED_BYTES with an error naming the limit, leaving nothing behind', async () => {
    const runnerTemp = join(work, 'runner-temp-cap');
    mkdirSync(runnerTemp, { recursive: true });
    const path = join(work, 'bomb.tar.gz');
    writeFileSync(path, bomb);
    const child = startCli(['ls', `docker-archive:${path}`], {
      RUNNER_TEMP: runnerTemp,
      TALOS_KMOD_MAX_INFLATED_BYTES: String(1024 * 1024),
    });
    const { code } = await exited(child);
    expect(code).not.toBe(0);
    expect(child.output()).toContain(
      'inflates to more than 1048576 bytes (TALOS_KMOD_MAX_INFLATED_BYTES)',
    );
    expect(child.output()).toContain('gunzip -k');
    expect(readdirSync(runnerTemp)).toEqual([]);
  }, 120_000);

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'is inflated under RUNNER_TEMP and removed when the CLI gets %s mid-inflation',
    async (signal) => {
      const runnerTemp = join(work, `runner-temp-${signal}`);
      mkdirSync(runnerTemp, { recursive: true });
      const fifo = join(work, `source-${signal}.tar.gz`);
      execFileSync('mkfifo', [fifo]);
      const child = startCli(['ls', `docker-archive:${fifo}`], { RUNNER_TEMP: runnerTemp });
      // First open: the CLI sniffs the compression from the first bytes.
      const head = createWriteStream(fifo);
      head.end(bomb.subarray(0, 8)); // exactly what is read: nothing left in the pipe
      await until('the temporary directory', () => readdirSync(runnerTemp).length > 0);
      const dir = join(runnerTemp, readdirSync(runnerTemp)[0] as string);
      expect(dir).toMatch(/talos-kmod-archive-/);
      // Second open: part of the stream, then nothing more: the CLI waits mid-inflation.
      const body = createWriteStream(fifo);
      body.on('error', () => undefined);
      body.write(bomb.subarray(0, bomb.length >> 1));
      const tarPath = join(dir, 'archive.tar');
      await until('inflated bytes', () => existsSync(tarPath) && statSync(tarPath).size > 0);
      child.kill(signal);
      const result = await exited(child);
      body.destroy();
      expect(result.signal).toBe(signal);
      expect(existsSync(dir)).toBe(false);
      expect(readdirSync(runnerTemp)).toEqual([]);
    },
    120_000,
  );
});
