/**
 * What every `talos-kmod` subcommand module receives and exports: the context its action runs
 * with, and the shape of its `register` function (the list of commands is in `commands/index.ts`).
 */
import type { Command } from 'commander';
import type { Logger } from '@talos-kmod/common';
import type { CliIo } from './io';

/** What a command's action receives besides its own arguments. */
export interface CommandContext {
  io: CliIo;
  logger: Logger;
  verbose: boolean;
  /** Records the exit code (the highest one set wins). */
  setExitCode(code: number): void;
}

/** Adds one subcommand to the program. `context()` is called when the command runs. */
export type RegisterCommand = (program: Command, context: () => CommandContext) => void;
