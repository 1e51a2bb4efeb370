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
