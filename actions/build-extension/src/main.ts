/** build-extension: the step's contract read from the runner → pipeline.buildExtension → outputs. */
import { spawnExec } from '@talos-kmod/common';
import {
  buildExtension,
  buildExtensionContract,
  extensionSummary,
  failureSummary,
} from '@talos-kmod/pipeline';
import {
  createActionsLogger,
  readStepInputs,
  runAction,
  writeStepOutputs,
  writeSummary,
} from '@talos-kmod/action-kit';

void runAction(async () => {
  const { options } = readStepInputs(buildExtensionContract);
  const logger = createActionsLogger();
  try {
    const result = await buildExtension(options, {
      exec: spawnExec,
      logger,
      ...(process.env.RUNNER_TEMP ? { tmpDir: process.env.RUNNER_TEMP } : {}),
    });
    writeStepOutputs(buildExtensionContract, result);
    for (const note of result.notes) logger.info(note);
    await writeSummary(extensionSummary(result));
  } catch (e: unknown) {
    await writeSummary(failureSummary('build-extension', e));
    throw e;
  }
});
