/**
 * Every `talos-kmod` subcommand, one module each. A module exports a `register` function that adds
 * its command to the program; keep this list in the order `--help` shows it.
 */
import { registerPipeline } from './pipeline';
import type { RegisterCommand } from '../command-context';
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

/** Every subcommand, in `--help` order. */
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
