/**
 * `talos-kmod verify <image>`: the verify-image checks from a terminal, its argument and flags
 * from the step's contract. Readable text on stdout (colour on a TTY), `--json` for the report;
 * exit 0 passed, 1 failed, 2 usage or access error.
 */
import type { Command } from 'commander';
import { isUserError } from '@talos-kmod/common';
import { verifyImageContract as contract } from '@talos-kmod/pipeline/contracts';
import { exitCodes, jsonText, stdinOf } from '../io';
import { registryConnection } from '../registry-flags';
import { addStepFlags, asFlagError, readStepFlags } from '../step-flags';
import type { DefineCommand } from '../command-context';
import { refuseBareName } from '../image-arg';
import { loadPipeline } from '../lazy';

/** Defines `verify`. */
export const defineVerify: DefineCommand = (command: Command, context) => {
  addStepFlags(command, contract).action(async (image: string, flags: Record<string, unknown>) => {
    const { formatReportText, verifyImage } = await loadPipeline();
    const ctx = context();
    const { values, options } = await readStepFlags(contract, flags, ctx.io.env, stdinOf(ctx.io), [
      image,
    ]);
    // a bare name that is no path fails here, before any registry is asked; verify's own
    // validation words every other bad IMAGE
    refuseBareName(image);
    let report;
    try {
      const registry = {
        ...options.access,
        logger: ctx.logger,
        ...(await registryConnection(
          { registryTimeout: values['registry-timeout'], caFile: values['ca-file'] },
          process.env,
        )),
      };
      report = await verifyImage(options.verify, { logger: ctx.logger, registry });
    } catch (e: unknown) {
      // bad input or an image that cannot be read: usage/access (exit 2)
      const error = asFlagError(e, contract.inputs);
      if (isUserError(error)) Object.assign(error, { exitCode: exitCodes.usage });
      throw error;
    }
    ctx.io.stdout.write(
      values.json
        ? `${jsonText(report)}\n`
        : formatReportText(report, { color: Boolean(ctx.io.stdout.isTTY) && !ctx.io.env.NO_COLOR }),
    );
    ctx.setExitCode(report.passed ? exitCodes.ok : exitCodes.failed);
  });
};
