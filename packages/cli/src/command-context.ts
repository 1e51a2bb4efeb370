/**
 * What every `talos-kmod` subcommand module receives and exports: the context its action runs
 * with, and the shape of its `define` function (the list of commands is in `commands/index.ts`).
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

/**
 * Adds the arguments, options and action to `command`, which already has its name and description
 * (from `commands/index.ts`). `context()` is called when the command runs.
 */
export type DefineCommand = (command: Command, context: () => CommandContext) => void;
