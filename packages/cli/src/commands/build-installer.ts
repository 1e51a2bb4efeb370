/**
 * `talos-kmod build-installer`: the build-installer step from a terminal, its flags from the
 * step's contract. Prints the pinned installer reference (or every output as JSON with --json) on
 * stdout; progress goes to stderr.
 */
import type { Command } from 'commander';
import { spawnExec } from '@talos-kmod/common';
import { buildInstallerContract as contract } from '@talos-kmod/pipeline/contracts';
import { createProgressReporter } from '../progress/bars';
import { addStepFlags, asFlagError, readStepFlags } from '../step-flags';
import type { DefineCommand } from '../command-context';
import { loadPipeline } from '../lazy';
import { jsonText, stdinOf } from '../io';

/** Defines `build-installer`. */
export const defineBuildInstaller: DefineCommand = (command: Command, context) => {
  addStepFlags(command, contract).action(async (flags: Record<string, unknown>) => {
    const { buildInstaller } = await loadPipeline();
    const ctx = context();
    const { values, options } = await readStepFlags(contract, flags, ctx.io.env, stdinOf(ctx.io));
    const progress = createProgressReporter(ctx.io.stderr);
    const result = await buildInstaller(options, {
      exec: spawnExec,
      logger: ctx.logger,
      registry: { onProgress: (e) => progress.onProgress(e) },
    })
      .catch((e: unknown) => {
        throw asFlagError(e, contract.inputs);
      })
      .finally(() => progress.finish());
    if (values.json) {
      ctx.io.stdout.write(
        `${jsonText({
          installerImage: result.installerImage,
          installerImages: result.installerImages,
          imagerImage: result.imagerImage,
          installerBaseImage: result.installerBaseImage,
          tarballs: result.tarballs,
        })}\n`,
      );
    } else {
      ctx.io.stdout.write(`${result.installerImage.toString()}\n`);
    }
    ctx.io.stderr.write(
      `next: talosctl upgrade --nodes <node> --image ${result.installerImage.toString()}\n`,
    );
  });
};
