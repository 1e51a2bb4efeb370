/** build-kernel-pkg: read inputs → pipeline.buildKernelPkg → outputs and job summary. */
import { spawnExec } from '@talos-kmod/common';
import {
  buildKernelPkg,
  failureSummary,
  kernelPkgSummary,
  type BuildKernelPkgOptions,
} from '@talos-kmod/pipeline';
import {
  createActionsLogger,
  readBoolean,
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
import { createActionsResultCache } from './actions-cache';

function readInputs(): BuildKernelPkgOptions {
  const username = namespaceOrOwner(readString('username'));
  const access = registryCredentials(
    readString('registry-username'),
    readSecret('registry-password'),
  );
  const tag = readString('tag');
  const platforms = readList('platforms');
  const talosVersion = readString('talos-version');
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
    ...(talosVersion ? { talosVersion } : {}),
    releaseMismatch: readChoice('release-mismatch', ['warn', 'error'] as const, 'warn'),
    insecureRegistries: readList('insecure-registries'),
    ...access,
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
