import { spawn } from 'node:child_process';
import { UserError } from './errors';

/** Options for one command run through an {@link ExecFn}. */
export interface ExecOptions {
  cwd?: string;
  /** Replaces the environment when set (merge with `process.env` yourself). */
  env?: NodeJS.ProcessEnv;
  /** Called with each complete line the command writes to stdout or stderr, as it arrives. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Written to the command's stdin, then closed. */
  input?: string | Buffer;
  /** Exit codes that count as success (default `[0]`). Others reject with {@link ExecError}. */
  okExitCodes?: readonly number[];
  /** How many trailing output lines an {@link ExecError} keeps (default 40). */
  tailLines?: number;
}

/** What a finished command produced. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program with an argv array, never through a shell. Libraries receive one of these so the
 * actions (`@actions/exec`), the CLI and the tests can each supply their own.
 */
export type ExecFn = (
  file: string,
  args: readonly string[],
  options?: ExecOptions,
) => Promise<ExecResult>;

/** A command that exited with a code it should not have; carries the last lines it printed. */
export class ExecError extends UserError {
  constructor(
    readonly command: string,
    readonly exitCode: number,
    readonly tail: readonly string[],
  ) {
    super(`${command} exited with code ${exitCode}`, { details: tail });
  }
}

/** Renders an argv for messages, quoting arguments that need it. */
export function formatCommand(file: string, args: readonly string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return [file, ...args].map(quote).join(' ');
}

const maxCaptured = 16 * 1024 * 1024;

/** The default {@link ExecFn}: `child_process.spawn` without a shell, output captured and streamed. */
export const spawnExec: ExecFn = (file, args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(file, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const tailMax = options.tailLines ?? 40;
    const tail: string[] = [];
    const out = { stdout: '', stderr: '' };
    const pending = { stdout: '', stderr: '' };
    const take = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (out[stream].length < maxCaptured) out[stream] += text;
      const parts = (pending[stream] + text).split(/\r?\n/);
      pending[stream] = parts.pop() ?? '';
      for (const line of parts) emit(line, stream);
    };
    const emit = (line: string, stream: 'stdout' | 'stderr') => {
      tail.push(line);
      if (tail.length > tailMax) tail.shift();
      options.onLine?.(line, stream);
    };
    child.stdout.on('data', take('stdout'));
    child.stderr.on('data', take('stderr'));
    child.on('error', (e: NodeJS.ErrnoException) => {
      const hint =
        e.code === 'ENOENT'
          ? `: '${file}' is not installed or not on PATH; install it and retry`
          : '';
      reject(new UserError(`could not run ${formatCommand(file, args)}${hint}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      for (const stream of ['stdout', 'stderr'] as const) {
        if (pending[stream]) emit(pending[stream], stream);
      }
      const exitCode = code ?? (signal ? 128 : 1);
      if (!(options.okExitCodes ?? [0]).includes(exitCode)) {
        reject(new ExecError(formatCommand(file, args), exitCode, tail));
        return;
      }
      resolve({ exitCode, stdout: out.stdout, stderr: out.stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
