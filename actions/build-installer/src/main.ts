/** build-installer: read inputs → pipeline.buildInstaller → outputs and job summary. */
import * as core from '@actions/core';
import { spawnExec } from '@talos-kmod/common';
import { buildInstaller, type BuildInstallerOptions } from '@talos-kmod/pipeline';
import {
  createActionsLogger,
  readChoice,
  readList,
  readSecret,
  readString,
  runAction,
  writeOutputs,
  writeSummary,
  registryCredentials,
  namespaceOrOwner,
} from '../../shared/src/index';

function readInputs(): BuildInstallerOptions {
  const username = namespaceOrOwner(readString('username'));
  const access = registryCredentials(
    readString('registry-username'),
    readSecret('registry-password'),
  );
  const talosDir = readString('talos-dir');
  const imagerImage = readString('imager-image');
  const baseInstallerImage = readString('base-installer-image');
  const kernelImage = readString('kernel-image');
  const tag = readString('tag');
  const installerRef = readString('installer-ref');
  const platforms = readList('platforms');
  const schematic = readString('schematic');
  const nodeExtensions = readString('node-extensions');
  const talosVersion = readString('talos-version');
  const extensionsCatalog = readString('extensions-catalog');
  return {
    ...(talosDir ? { talosDir } : {}),
    ...(imagerImage ? { imagerImage } : {}),
    ...(baseInstallerImage ? { baseInstallerImage } : {}),
    ...(kernelImage ? { kernelImage } : {}),
    extensionImages: readList('extension-images'),
    extraExtensionImages: readList('extra-extension-images'),
    ...(schematic ? { schematic } : {}),
    ...(nodeExtensions ? { nodeExtensions } : {}),
    ...(talosVersion ? { talosVersion } : {}),
    ...(extensionsCatalog ? { extensionsCatalog } : {}),
    releaseMismatch: readChoice('release-mismatch', ['warn', 'error'] as const, 'warn'),
    extraKernelArgs: readList('extra-kernel-args', { lines: true }),
    registry: readString('registry') ?? 'ghcr.io',
    username,
    platforms: platforms.length > 0 ? platforms : ['linux/amd64'],
    ...(tag ? { tag } : {}),
    ...(installerRef ? { installerRef } : {}),
    insecureRegistries: readList('insecure-registries'),
    verifyInstaller: readChoice('verify-installer', ['error', 'warning'] as const, 'error'),
    ...access,
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
