import { Writable } from 'node:stream';
import { guardWorkflowCommands } from '@talos-kmod/common';

/** Where the CLI writes: results to stdout, progress and logs to stderr. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Exit codes: 0 success, 1 a failed check or step, 2 usage or input error (see `exit-code.ts`). */
export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * In a GitHub Actions step (`GITHUB_ACTIONS=true`) the runner reads the CLI's output for workflow
 * commands, and logs and errors carry names from images and registries: stderr then prints any
 * text that could hold a command between `::stop-commands::<token>` and `::<token>::`. Stdout is
 * left as it is: `--json` output must stay parseable.
 */
export function guardedIo(io: CliIo): CliIo {
  if (io.env.GITHUB_ACTIONS !== 'true') return io;
  const target = io.stderr;
  const stderr: CliIo['stderr'] = new Writable({
    // handed on at once, in order: the target buffers, and nothing waits on a flush here
    write(chunk: Buffer | string, _encoding, callback) {
      target.write(guardWorkflowCommands(chunk.toString()));
      callback();
    },
  });
  return { ...io, stderr };
}
