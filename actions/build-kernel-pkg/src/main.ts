/** build-kernel-pkg: read inputs → pipeline.buildKernelPkg → outputs and job summary. */
import { UserError, spawnExec } from '@talos-kmod/common';
import {
  buildKernelPkg,
  failureSummary,
  kernelPkgSummary,
  type BuildKernelPkgOptions,
} from '@talos-kmod/pipeline';
import {
  createActionsLogger,
  readBoolean,
  readList,
  readSecret,
  readString,
  runAction,
  writeOutputs,
  writeSummary,
} from '../../shared/src/index';
import { createActionsResultCache } from './actions-cache';

function readInputs(): BuildKernelPkgOptions {
  const username = (
    readString('username') ??
    process.env.GITHUB_REPOSITORY_OWNER ??
    ''
  ).toLowerCase();
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
  const tag = readString('tag');
  const platforms = readList('platforms');
  return {
    pkgsDir: readString('pkgs-dir') ?? '.',
    packages: readList('packages'),
    registry: readString('registry') ?? 'ghcr.io',
    username,
    platforms: platforms.length > 0 ? platforms : ['linux/amd64'],
    push: readBoolean('push', true),
    ...(tag ? { tag } : {}),
    makeArgs: (readString('make-args') ?? '').split(/\s+/).filter(Boolean),
    verifySignatures: readBoolean('verify-signatures', true),
    cache: readBoolean('cache', true),
    insecureRegistries: readList('insecure-registries'),
    ...(registryUsername && registryPassword
      ? { credentials: { username: registryUsername, password: registryPassword } }
      : {}),
  };
}

void runAction(async () => {
  const inputs = readInputs();
  const logger = createActionsLogger();
  const resultCache = inputs.cache && inputs.push ? createActionsResultCache() : undefined;
  try {
    const result = await buildKernelPkg(inputs, {
      exec: spawnExec,
      logger,
      ...(resultCache ? { resultCache } : {}),
      ...(process.env.RUNNER_TEMP ? { tmpDir: process.env.RUNNER_TEMP } : {}),
    });
    writeOutputs({
      'kernel-image': result.kernelImage,
      'pkg-images': result.pushed ? JSON.stringify(result.pkgImages) : undefined,
      'pkg-image': result.pkgImage,
      'pkgs-tag': result.pkgsTag,
      'pkgs-prefix': result.pkgsPrefix,
      'cache-hit': String(result.cacheHit),
    });
    for (const note of result.notes) logger.info(note);
    await writeSummary(kernelPkgSummary(result));
  } catch (e: unknown) {
    await writeSummary(failureSummary('build-kernel-pkg', e));
    throw e;
  }
});
