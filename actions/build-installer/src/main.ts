/** build-installer: read inputs → pipeline.buildInstaller → outputs and job summary. */
import * as core from '@actions/core';
import { UserError, spawnExec } from '@talos-kmod/common';
import { buildInstaller, type BuildInstallerOptions } from '@talos-kmod/pipeline';
import {
  createActionsLogger,
  readList,
  readSecret,
  readString,
  runAction,
  writeOutputs,
  writeSummary,
} from '../../shared/src/index';

function readInputs(): BuildInstallerOptions {
  const owner = (process.env.GITHUB_REPOSITORY_OWNER ?? '').toLowerCase();
  const username = (readString('username') ?? owner).toLowerCase();
  if (!username) {
    throw new UserError(
      "input 'username' is empty and GITHUB_REPOSITORY_OWNER is not set: set 'username'",
    );
  }
  const registryUsername = readString('registry-username');
  const registryPassword = readSecret('registry-password');
  if ((registryUsername === undefined) !== (registryPassword === undefined)) {
    throw new UserError(
      "inputs 'registry-username' and 'registry-password' go together: set both, or neither to use the docker config",
    );
  }
  const talosDir = readString('talos-dir');
  const imagerImage = readString('imager-image');
  const baseInstallerImage = readString('base-installer-image');
  const kernelImage = readString('kernel-image');
  const tag = readString('tag');
  const installerRef = readString('installer-ref');
  const platforms = readList('platforms');
  return {
    ...(talosDir ? { talosDir } : {}),
    ...(imagerImage ? { imagerImage } : {}),
    ...(baseInstallerImage ? { baseInstallerImage } : {}),
    ...(kernelImage ? { kernelImage } : {}),
    extensionImages: readList('extension-images'),
    extraKernelArgs: readList('extra-kernel-args'),
    registry: readString('registry') ?? 'ghcr.io',
    username,
    platforms: platforms.length > 0 ? platforms : ['linux/amd64'],
    ...(tag ? { tag } : {}),
    ...(installerRef ? { installerRef } : {}),
    insecureRegistries: readList('insecure-registries'),
    ...(registryUsername && registryPassword
      ? { credentials: { username: registryUsername, password: registryPassword } }
      : {}),
    ...(process.env.RUNNER_TEMP ? { outDir: `${process.env.RUNNER_TEMP}/talos-installer` } : {}),
  };
}

void runAction(async () => {
  const inputs = readInputs();
  const result = await buildInstaller(inputs, { exec: spawnExec, logger: createActionsLogger() });
  writeOutputs({
    'installer-image': result.installerImage,
    'installer-images': JSON.stringify(result.installerImages),
    'imager-image': result.imagerImage,
    'installer-base-image': result.installerBaseImage,
    tarball: Object.values(result.tarballs).join('\n'),
  });
  core.info(`next: talosctl upgrade --nodes <node> --image ${result.installerImage}`);
  await writeSummary(result.summary);
});
