/**
 * Runs make in a checkout with an argv array (no shell), streaming its output in one log group and
 * keeping the last lines for the error when it fails.
 */
import { ExecError, UserError, formatCommand, type ExecFn, type Logger } from '@talos-kmod/common';

/** How many trailing lines of make's output a failure carries. */
export const makeTailLines = 40;

/** Runs `make args…` in `dir`; a failure is a {@link UserError} with make's last lines as details. */
export async function runMake(
  exec: ExecFn,
  logger: Logger,
  dir: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const targets = args.filter((a) => !a.includes('='));
  const title = `make ${targets.join(' ')}`;
  await logger.group(title, async () => {
    logger.info(`$ ${formatCommand('make', args)}`);
    try {
      await exec('make', args, {
        cwd: dir,
        env,
        tailLines: makeTailLines,
        onLine: (line) => logger.info(line),
      });
    } catch (e: unknown) {
      if (e instanceof ExecError) {
        throw new UserError(
          `${title} failed with exit code ${e.exitCode} in ${dir}; its last lines are below. ` +
            'Fix the build (run the same make command locally to reproduce) and re-run.',
          { cause: e, details: e.tail },
        );
      }
      throw e;
    }
  });
}
