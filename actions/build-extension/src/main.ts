/** build-extension: the step's contract read from the runner → pipeline.buildExtension → outputs. */
import { spawnExec } from '@talos-kmod/common';
import {
  buildExtension,
  buildExtensionContract,
  extensionSummary,
  failureSummary,
} from '@talos-kmod/pipeline';
import { runStepAction } from '@talos-kmod/action-kit';

void runStepAction(
  buildExtensionContract,
  (options, logger) =>
    buildExtension(options, {
      exec: spawnExec,
      logger,
      ...(process.env.RUNNER_TEMP ? { tmpDir: process.env.RUNNER_TEMP } : {}),
    }),
  {
    summary: extensionSummary,
    failure: (e) => failureSummary('build-extension', e),
    notes: (result) => result.notes,
  },
);
