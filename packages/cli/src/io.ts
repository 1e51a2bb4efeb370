import { Readable, Writable } from 'node:stream';
import {
  guardWorkflowCommands,
  jsonWithoutWorkflowCommands,
  visibleControls,
} from '@talos-kmod/common';

/** Where the CLI writes: results to stdout, progress and logs to stderr. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /**
   * Where `--…-stdin` secrets are read from; none (an empty input) when absent, so a program that
   * runs the CLI in-process never has its own standard input read (or held open) by it.
   */
  stdin?: NodeJS.ReadableStream;
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
  };
}

/** The standard input of `io` (an empty one when it has none). */
export function stdinOf(io: CliIo): NodeJS.ReadableStream {
  return io.stdin ?? Readable.from([]);
}

/** Exit codes: 0 success, 1 a failed check or step, 2 usage or input error (see `exit-code.ts`). */
export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * In a GitHub Actions step (`GITHUB_ACTIONS=true`) the runner reads the CLI's output for workflow
 * commands, and results, logs and errors carry names from images and registries: both streams
 * then print any text that could hold a command between `::stop-commands::<token>` and
 * `::<token>::`. JSON results never need it: {@link jsonText} writes them without any text the
 * runner could read as a command, so they stay parseable.
 */
export function guardedIo(io: CliIo): CliIo {
  if (io.env.GITHUB_ACTIONS !== 'true') return io;
  return { ...io, stdout: guardedStream(io.stdout), stderr: guardedStream(io.stderr) };
}

function guardedStream(target: CliIo['stdout']): CliIo['stdout'] {
  const stream: CliIo['stdout'] = new Writable({
    // handed on at once, in order: the target buffers, and nothing waits on a flush here
    write(chunk: Buffer | string, _encoding, callback) {
      target.write(guardWorkflowCommands(chunk.toString()));
      callback();
    },
  });
  if (target.isTTY !== undefined) stream.isTTY = target.isTTY;
  return stream;
}

/**
 * `value` as the CLI prints JSON (two-space indent), with `::` and `##[` inside strings written
 * as JSON escapes so no line reads as a workflow command in a GitHub Actions log; every JSON
 * parser reads the same value.
 */
export function jsonText(value: unknown): string {
  return jsonWithoutWorkflowCommands(JSON.stringify(value, null, 2));
}

/**
 * Text result lines as the CLI prints them: names and values from images, modules and kernels can
 * hold terminal escapes, new lines and bidirectional controls; each is shown as a visible escape
 * (`\u001b`, `\n`), so a line is one line and the terminal runs nothing. `--json` keeps the exact
 * values.
 */
export function textLines(lines: readonly string[]): string {
  return lines.length > 0 ? `${lines.map(visibleControls).join('\n')}\n` : '';
}
