/**
 * Builds the commander program from the command modules and runs it with one error boundary: a
 * `UserError` prints its message and details, anything else is reported as unexpected.
 */
import { Command, CommanderError } from 'commander';
import { createConsoleLogger, describeError, isUserError, redactText } from '@talos-kmod/common';
import type { CommandContext } from './command-context';
import { commands } from './commands/index';
import { exitCodeFor } from './exit-code';
import { cliVersion } from './version';
import { exitCodes, guardedIo, processIo, type CliIo } from './io';

/** Creates the `talos-kmod` program; commands resolve their action's exit code into `ctx`. */
export function createProgram(io: CliIo, ctx: { exitCode: number }): Command {
  const program = new Command('talos-kmod')
    .description('Build, verify and publish out-of-tree kernel modules for Talos Linux')
    .option('-v, --verbose', 'print debug output (commands run, raw JSON)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `\nVersion: talos-kmod --version (or -V) prints ${cliVersion()}.`);
  const context = (): CommandContext => {
    const verbose = Boolean(program.opts<{ verbose?: boolean }>().verbose);
    return {
      io,
      logger: createConsoleLogger({ verbose, stream: io.stderr }),
      verbose,
      setExitCode: (code: number) => {
        ctx.exitCode = Math.max(ctx.exitCode, code);
      },
    };
  };
  for (const register of commands) register(program, context);
  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: readonly string[], given: CliIo = processIo()): Promise<number> {
  const io = guardedIo(given);
  // `--version` only before a command: commander would take it from anywhere in the line, and
  // new-module has its own `--version <version>` (the module's).
  if (argv[0] === '--version' || argv[0] === '-V') {
    io.stdout.write(`${cliVersion()}\n`);
    return exitCodes.ok;
  }
  const ctx = { exitCode: exitCodes.ok };
  const program = createProgram(io, ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (e: unknown) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    if (isUserError(e)) {
      io.stderr.write(`error: ${redactText(e.message)}\n`);
      for (const line of e.details) io.stderr.write(`  ${redactText(line)}\n`);
      return exitCodeFor(e);
    }
    io.stderr.write(`unexpected error: ${redactText(describeError(e))}\n`);
    if (e instanceof Error && e.stack) io.stderr.write(`${redactText(e.stack)}\n`);
    io.stderr.write('This is a bug in talos-kmod; please report it with the output above.\n');
    return exitCodes.failed;
  }
}
