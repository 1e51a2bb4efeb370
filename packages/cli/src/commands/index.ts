/**
 * Every `talos-kmod` subcommand, one module each. A module exports a `register` function that adds
 * its command to the program; keep this list in the order `--help` shows it.
 */
import type { Command } from 'commander';
import { registerPipeline } from './pipeline';
import type { Logger } from '@talos-kmod/common';
import type { CliIo } from '../io';
import { registerBuildInstaller } from './build-installer';
import { registerBuildKernelPkg } from './build-kernel-pkg';
import { registerBuildExtension } from './build-extension';
import { registerPush } from './push';
import { registerIndex } from './index-create';
import { registerInspect } from './inspect';
import { registerLs } from './ls';
import { registerModinfo } from './modinfo';
import { registerKernelCert } from './kernel-cert';
import { registerNewModule } from './new-module';
import { registerCheckWiring } from './check-wiring';
import { registerVerify } from './verify';
import { registerRefs } from './refs';

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

export const commands: readonly RegisterCommand[] = [
  registerPipeline,
  registerBuildKernelPkg,
  registerBuildExtension,
  registerBuildInstaller,
  registerPush,
  registerIndex,
  registerInspect,
  registerLs,
  registerModinfo,
  registerKernelCert,
  registerNewModule,
  registerCheckWiring,
  registerVerify,
  registerRefs,
];
