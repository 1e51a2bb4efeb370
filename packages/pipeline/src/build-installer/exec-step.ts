/** Runs one external command of the step inside a log group, streaming its lines. */
import { ExecError, UserError, formatCommand, type ExecFn, type Logger } from '@talos-kmod/common';

/** Options for {@link runLogged}. */
export interface RunLoggedOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Builds the error for a failed run from its exit code (the tail is attached as details). */
  readonly failure: (exitCode: number) => string;
}

/**
 * Runs `file args` with output streamed to the logger line by line; a non-zero exit becomes a
 * {@link UserError} whose message comes from `failure` and whose details are the last lines.
 */
export async function runLogged(
  exec: ExecFn,
  logger: Logger,
  file: string,
  args: readonly string[],
  options: RunLoggedOptions,
): Promise<void> {
  logger.debug(`running ${formatCommand(file, args)}${options.cwd ? ` in ${options.cwd}` : ''}`);
  try {
    await exec(file, args, {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.env ? { env: options.env } : {}),
      tailLines: 30,
      onLine: (line) => logger.info(line),
    });
  } catch (e: unknown) {
    if (e instanceof ExecError) {
      throw new UserError(options.failure(e.exitCode), { cause: e, details: e.tail });
    }
    throw e;
  }
}
