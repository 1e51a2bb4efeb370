/** build-kernel-pkg: the step's contract read from the runner → pipeline.buildKernelPkg → outputs. */
import { spawnExec } from '@talos-kmod/common';
import {
  buildKernelPkg,
  buildKernelPkgContract,
  failureSummary,
  kernelPkgSummary,
} from '@talos-kmod/pipeline';
import { runStepAction } from '@talos-kmod/action-kit';
import { createActionsResultCache } from './actions-cache';

void runStepAction(
  buildKernelPkgContract,
  (options, logger) => {
    const resultCache = options.cache && options.push ? createActionsResultCache() : undefined;
    return buildKernelPkg(options, {
      exec: spawnExec,
      logger,
      ...(resultCache ? { resultCache } : {}),
      ...(process.env.RUNNER_TEMP ? { tmpDir: process.env.RUNNER_TEMP } : {}),
    });
  },
  {
    summary: kernelPkgSummary,
    failure: (e) => failureSummary('build-kernel-pkg', e),
    notes: (result) => result.notes,
  },
);
