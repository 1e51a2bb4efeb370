/** build-installer: the step's contract read from the runner → pipeline.buildInstaller → outputs. */
import { spawnExec } from '@talos-kmod/common';
import { buildInstaller, buildInstallerContract } from '@talos-kmod/pipeline';
import {
  createActionsLogger,
  logInfo,
  readStepInputs,
  runAction,
  writeStepOutputs,
  writeSummary,
} from '@talos-kmod/action-kit';

void runAction(async () => {
  const { options } = readStepInputs(buildInstallerContract);
  const outDir = process.env.RUNNER_TEMP ? `${process.env.RUNNER_TEMP}/talos-installer` : undefined;
  const result = await buildInstaller(
    { ...options, ...(outDir ? { outDir } : {}) },
    { exec: spawnExec, logger: createActionsLogger() },
  );
  writeStepOutputs(buildInstallerContract, result);
  logInfo(`next: talosctl upgrade --nodes <node> --image ${result.installerImage}`);
  await writeSummary(result.summary);
});
