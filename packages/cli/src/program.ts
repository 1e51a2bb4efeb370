/**
 * Builds the commander program from the command list and runs it with one error boundary: a
 * `UserError` prints its message and details, anything else is reported as unexpected. `runCli`
 * loads only the module of the command it runs; `createProgram` loads them all (README, tests).
 */
import { Command, CommanderError, Help, type Option } from 'commander';
import { createConsoleLogger, describeError, isUserError, redactText } from '@talos-kmod/common';
import type { CommandContext } from './command-context';
import { commands, type CommandEntry } from './commands/index';
import { exitCodeFor } from './exit-code';
import { cliVersion } from './version';
import { exitCodes, guardedIo, processIo, type CliIo } from './io';

/** A program whose commands have their names and descriptions; `define` loads one's module. */
interface ProgramShell {
  program: Command;
  /** Adds the arguments, options and action of `command` (once; other commands are ignored). */
  define(command: Command): Promise<void>;
}

function programShell(io: CliIo, ctx: { exitCode: number }): ProgramShell {
  const program: Command = new Command('talos-kmod')
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
  // Set before the commands are made: each copies it (and passes it on to its own subcommands).
  program.configureHelp({
    // The command list shows each command's usage from its entry, defined or not.
    subcommandTerm: (cmd) => {
      const entry =
        cmd.parent === program ? commands.find((e) => e.name === cmd.name()) : undefined;
      return entry
        ? `${entry.name}${entry.usage ? ` ${entry.usage}` : ''}`
        : new Help().subcommandTerm(cmd);
    },
    // A repeatable flag collects into a list that starts empty: "(default: [])" tells the reader
    // nothing, and beside "default linux/amd64" in the flag's own text it contradicts it.
    optionDescription: (option) =>
      new Help().optionDescription(
        Array.isArray(option.defaultValue) && option.defaultValue.length === 0
          ? Object.assign(
              Object.create(Object.getPrototypeOf(option) as object) as Option,
              option,
              {
                defaultValue: undefined,
              },
            )
          : option,
      ),
  });
  const notDefined = new Map<Command, CommandEntry>();
  for (const entry of commands) {
    notDefined.set(program.command(entry.name).description(entry.description), entry);
  }
  const define = async (command: Command): Promise<void> => {
    const entry = notDefined.get(command);
    if (!entry) return;
    notDefined.delete(command);
    (await entry.load())(command, context);
  };
  // Commander found the command to run: define it before it parses its arguments.
  program.hook('preSubcommand', (_program, command) => define(command));
  return { program, define };
}

/** Creates the `talos-kmod` program with every command defined (loads every command module). */
export async function createProgram(io: CliIo, ctx: { exitCode: number }): Promise<Command> {
  const { program, define } = programShell(io, ctx);
  for (const command of program.commands) await define(command);
  return program;
}

/**
 * The command `help <command>` shows: commander prints a command's help there without running
 * it (and without the `preSubcommand` hook), so that one is defined before parsing.
 */
function helpTarget(program: Command, argv: readonly string[]): Command | undefined {
  const at = argv.findIndex((a) => a !== '-v' && a !== '--verbose');
  if (argv[at] !== 'help') return undefined;
  return program.commands.find((c) => c.name() === argv[at + 1]);
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
  const { program, define } = programShell(io, ctx);
  try {
    const help = helpTarget(program, argv);
    if (help) await define(help);
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
