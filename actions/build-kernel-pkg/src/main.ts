/** build-kernel-pkg: the step's contract read from the runner → pipeline.buildKernelPkg → outputs. */
import { spawnExec } from '@talos-kmod/common';
import {
  buildKernelPkg,
  buildKernelPkgContract,
  failureSummary,
  kernelPkgSummary,
} from '@talos-kmod/pipeline';
import {
  createActionsLogger,
  readStepInputs,
  runAction,
  writeStepOutputs,
  writeSummary,
} from '@talos-kmod/action-kit';
import { createActionsResultCache } from './actions-cache';

void runAction(async () => {
  const { options } = readStepInputs(buildKernelPkgContract);
  const logger = createActionsLogger();
  const resultCache = options.cache && options.push ? createActionsResultCache() : undefined;
  try {
    const result = await buildKernelPkg(options, {
      exec: spawnExec,
      logger,
      ...(resultCache ? { resultCache } : {}),
      ...(process.env.RUNNER_TEMP ? { tmpDir: process.env.RUNNER_TEMP } : {}),
    });
    writeStepOutputs(buildKernelPkgContract, result);
    for (const note of result.notes) logger.info(note);
    await writeSummary(kernelPkgSummary(result));
  } catch (e: unknown) {
    await writeSummary(failureSummary('build-kernel-pkg', e));
    throw e;
  }
});
