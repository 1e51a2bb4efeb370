/** build-extension: read inputs → pipeline.buildExtension → outputs and job summary. */
import { UserError, spawnExec } from '@talos-kmod/common';
import {
  buildExtension,
  extensionSummary,
  failureSummary,
  type BuildExtensionOptions,
} from '@talos-kmod/pipeline';
import {
  createActionsLogger,
  readBoolean,
  readList,
  readRequired,
  readSecret,
  readString,
  runAction,
  writeOutputs,
  writeSummary,
} from '../../shared/src/index';

function readInputs(): BuildExtensionOptions {
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
  const pkgsPrefix = readString('pkgs-prefix');
  const pkgsTag = readString('pkgs-tag');
  const pkgImage = readString('pkg-image');
  const tag = readString('tag');
  const platforms = readList('platforms');
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
    insecureRegistries: readList('insecure-registries'),
    ...(registryUsername && registryPassword
      ? { credentials: { username: registryUsername, password: registryPassword } }
      : {}),
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
