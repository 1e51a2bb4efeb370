/**
 * `talos-kmod build-extension`: the build-extension step from a terminal, its flags from the
 * step's contract. Prints the outputs as `name=value` lines (or JSON with --json) on stdout;
 * make's output goes to stderr.
 */
import type { Command } from 'commander';
import { spawnExec } from '@talos-kmod/common';
import { buildExtensionContract as contract } from '@talos-kmod/pipeline/contracts';
import { addStepFlags, asFlagError, printStepOutputs, readStepFlags } from '../step-flags';
import type { DefineCommand } from '../command-context';
import { stdinOf } from '../io';
import { loadPipeline } from '../lazy';

/** Defines `build-extension`. */
export const defineBuildExtension: DefineCommand = (command: Command, context) => {
  addStepFlags(command, contract).action(async (flags: Record<string, unknown>) => {
    const { buildExtension } = await loadPipeline();
    const ctx = context();
    const { values, options } = await readStepFlags(contract, flags, ctx.io.env, stdinOf(ctx.io));
    const result = await buildExtension(options, {
      exec: spawnExec,
      logger: ctx.logger,
      env: { ...process.env, ...ctx.io.env },
    }).catch((e: unknown) => {
      throw asFlagError(e, contract.inputs);
    });
    for (const note of result.notes) ctx.logger.info(note);
    printStepOutputs(
      ctx.io.stdout,
      contract.toOutputs(result),
      values.json ? { extra: { notes: result.notes } } : undefined,
    );
  });
};
