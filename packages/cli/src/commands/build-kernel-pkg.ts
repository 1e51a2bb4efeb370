/**
 * `talos-kmod build-kernel-pkg`: the build-kernel-pkg step from a terminal, its flags from the
 * step's contract. Prints the outputs as `name=value` lines (or one JSON object with --json) on
 * stdout; make's output and progress go to stderr. The cache is a local directory (default
 * ~/.cache/talos-kmod/build-kernel-pkg).
 */
import type { Command } from 'commander';
import { spawnExec, talosKmodCacheDir } from '@talos-kmod/common';
import { buildKernelPkgContract as contract } from '@talos-kmod/pipeline/contracts';
import { addStepFlags, asFlagError, printStepOutputs, readStepFlags } from '../step-flags';
import type { DefineCommand } from '../command-context';
import { stdinOf } from '../io';
import { loadPipeline } from '../lazy';

/** Defines `build-kernel-pkg`. */
export const defineBuildKernelPkg: DefineCommand = (command: Command, context) => {
  addStepFlags(command, contract).action(async (flags: Record<string, unknown>) => {
    const { buildKernelPkg, createDirectoryCache } = await loadPipeline();
    const ctx = context();
    const { values, options } = await readStepFlags(contract, flags, ctx.io.env, stdinOf(ctx.io));
    const cacheDir = values['cache-dir'] ?? talosKmodCacheDir(ctx.io.env, 'build-kernel-pkg');
    const result = await buildKernelPkg(options, {
      exec: spawnExec,
      logger: ctx.logger,
      env: { ...process.env, ...ctx.io.env },
      ...(options.cache && options.push ? { resultCache: createDirectoryCache(cacheDir) } : {}),
    }).catch((e: unknown) => {
      throw asFlagError(e, contract.inputs);
    });
    for (const note of result.notes) ctx.logger.info(note);
    printStepOutputs(
      ctx.io.stdout,
      contract.toOutputs(result),
      values.json
        ? {
            extra: {
              'pkg-images': result.pkgImages,
              verification: result.verification,
              notes: result.notes,
            },
          }
        : undefined,
    );
  });
};
