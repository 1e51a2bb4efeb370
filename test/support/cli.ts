/** Runs the CLI in-process with captured streams, for tests of `talos-kmod` commands. */
import { Readable, Writable } from 'node:stream';
import { runCli, type CliIo } from '@talos-kmod/cli';

/** A `CliIo` whose stdout and stderr are collected in memory. */
export interface CapturedIo extends CliIo {
  out(): string;
  err(): string;
}

/**
 * Creates a {@link CapturedIo}; `env` is merged over `process.env`; `stdin` is the text the CLI
 * reads as its standard input (none when absent: the test runner's own is never read).
 */
export function captureIo(
  options: { cwd?: string; env?: NodeJS.ProcessEnv; tty?: boolean; stdin?: string } = {},
): CapturedIo {
  const chunks = { out: '', err: '' };
  const sink = (key: 'out' | 'err') =>
    Object.assign(
      new Writable({
        write(chunk: Buffer, _enc, done) {
          chunks[key] += chunk.toString();
          done();
        },
      }),
      { isTTY: options.tty ?? false },
    );
  return {
    stdout: sink('out'),
    stderr: sink('err'),
    env: { ...process.env, ...options.env },
    cwd: options.cwd ?? process.cwd(),
    ...(options.stdin === undefined ? {} : { stdin: Readable.from([options.stdin]) }),
    out: () => chunks.out,
    err: () => chunks.err,
  };
}

/** Runs `talos-kmod <argv>` in-process; returns the exit code and what it printed. */
export async function runCliCaptured(
  argv: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo(options);
  const code = await runCli(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}
