/** build-extension: read inputs → pipeline.buildExtension → outputs and job summary. */
import { spawnExec } from '@talos-kmod/common';
import {
  buildExtension,
  extensionSummary,
  failureSummary,
  type BuildExtensionOptions,
} from '@talos-kmod/pipeline';
import {
  createActionsLogger,
  readBoolean,
  readChoice,
  readList,
  readRequired,
  readSecret,
  readString,
  runAction,
  writeOutputs,
  writeSummary,
  registryCredentials,
  namespaceOrOwner,
} from '../../shared/src/index';

function readInputs(): BuildExtensionOptions {
  const username = namespaceOrOwner(readString('username'));
  const access = registryCredentials(
    readString('registry-username'),
    readSecret('registry-password'),
  );
  const pkgsPrefix = readString('pkgs-prefix');
  const pkgsTag = readString('pkgs-tag');
  const pkgImage = readString('pkg-image');
  const tag = readString('tag');
  const platforms = readList('platforms');
  const talosVersion = readString('talos-version');
  return {
    extensionsDir: readString('extensions-dir') ?? '.',
    extension: readRequired('extension'),
    ...(pkgsPrefix ? { pkgsPrefix } : {}),
    ...(pkgsTag ? { pkgsTag } : {}),
    ...(pkgImage ? { pkgImage } : {}),
    registry: readString('registry') ?? 'ghcr.io',
    username,
    platforms: platforms.length > 0 ? platforms : ['linux/amd64'],
    push: readBoolean('push', true),
    ...(tag ? { tag } : {}),
    makeArgs: (readString('make-args') ?? '').split(/\s+/).filter(Boolean),
    ...(talosVersion ? { talosVersion } : {}),
    releaseMismatch: readChoice('release-mismatch', ['warn', 'error'] as const, 'warn'),
    insecureRegistries: readList('insecure-registries'),
    ...access,
  };
}

void runAction(async () => {
  const inputs = readInputs();
  const logger = createActionsLogger();
  try {
    const result = await buildExtension(inputs, {
      exec: spawnExec,
      logger,
      ...(process.env.RUNNER_TEMP ? { tmpDir: process.env.RUNNER_TEMP } : {}),
    });
    writeOutputs({
      'extension-image': result.extensionImage,
      'extension-version': result.extensionVersion,
      'extension-name': result.extensionName,
    });
    for (const note of result.notes) logger.info(note);
    await writeSummary(extensionSummary(result));
  } catch (e: unknown) {
    await writeSummary(failureSummary('build-extension', e));
    throw e;
  }
});
