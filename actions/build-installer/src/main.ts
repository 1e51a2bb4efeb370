/** build-installer: the step's contract read from the runner → pipeline.buildInstaller → outputs. */
import { spawnExec } from '@talos-kmod/common';
import { buildInstaller, buildInstallerContract } from '@talos-kmod/pipeline';
import { runStepAction } from '@talos-kmod/action-kit';

void runStepAction(
  buildInstallerContract,
  (options, logger) => {
    const outDir = process.env.RUNNER_TEMP ? `${process.env.RUNNER_TEMP}/talos-installer` : '';
    return buildInstaller(
      { ...options, ...(outDir ? { outDir } : {}) },
      { exec: spawnExec, logger },
    );
  },
  {
    summary: (result) => result.summary,
    notes: (result) => [
      `next: talosctl upgrade --nodes <node> --image ${result.installerImage.toString()}`,
    ],
  },
);
