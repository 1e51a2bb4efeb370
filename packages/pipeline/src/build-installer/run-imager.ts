/**
 * Runs the imager's installer profile once per platform and returns the tarballs it wrote:
 * through `make image-installer` in a talos checkout, or `docker run <imager>` without one.
 * Stale tarballs are removed first, so a file found afterwards was written by this run.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, type ExecFn, type Logger } from '@talos-kmod/common';
import {
  buildImagerArgs,
  describeImagerExitCode,
  imageInstallerMakeArgs,
  imagerDockerRunArgs,
  installerTarballName,
  installerTarballPath,
  type ImagerInputs,
  type MakeValue,
  type TalosMakeTarget,
} from '@talos-kmod/talos';
import { makeEnv } from './build-imager';
import { runLogged } from './exec-step';

/** arch → tarball path. */
export type Tarballs = Record<string, string>;

function requireTarball(path: string, arch: string, how: string): string {
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new UserError(
      `the imager did not write ${path} for ${arch}: ${how} finished without it. ` +
        'Check the imager output above (older talos Makefiles ignore a failed platform but the last), ' +
        `and that the imager was built for ${arch} (INSTALLER_ARCH).`,
    );
  }
  return path;
}

/** talos-dir mode: `make image-installer … IMAGER_ARGS=…` → `_out/installer-<arch>.tar`. */
export async function runImagerWithMake(
  input: {
    talosDir: string;
    target: TalosMakeTarget;
    arches: readonly string[];
    imager: ImagerInputs;
    env?: NodeJS.ProcessEnv;
  },
  deps: { exec: ExecFn; logger: Logger },
): Promise<Tarballs> {
  for (const arch of input.arches)
    rmSync(installerTarballPath(input.talosDir, arch), { force: true });
  const args = imageInstallerMakeArgs({
    ...input.target,
    imagerArgs: buildImagerArgs(input.imager),
  });
  await deps.logger.group(`make image-installer (${input.arches.join(', ')})`, () =>
    runLogged(deps.exec, deps.logger, 'make', args, {
      cwd: input.talosDir,
      env: makeEnv(input.talosDir, input.env),
      failure: (code) =>
        `make image-installer failed in ${input.talosDir} (exit ${code}): the imager's last lines are below; ` +
        'check the extension images were built for this kernel and every platform, and are pullable',
    }),
  );
  const out: Tarballs = {};
  for (const arch of input.arches) {
    out[arch] = requireTarball(
      installerTarballPath(input.talosDir, arch),
      arch,
      'make image-installer',
    );
  }
  return out;
}

/** imager-image mode: `docker run --rm --network=host -v <out>:/out <imager> installer --arch …`. */
export async function runImagerWithDocker(
  input: {
    imagerImage: MakeValue;
    outDir: string;
    arches: readonly MakeValue[];
    imager: ImagerInputs;
    env?: NodeJS.ProcessEnv;
  },
  deps: { exec: ExecFn; logger: Logger },
): Promise<Tarballs> {
  mkdirSync(input.outDir, { recursive: true });
  const user =
    typeof process.getuid === 'function' && typeof process.getgid === 'function'
      ? `${process.getuid()}:${process.getgid()}`
      : undefined;
  const out: Tarballs = {};
  for (const arch of input.arches) {
    const path = join(input.outDir, installerTarballName(arch));
    rmSync(path, { force: true });
    const args = imagerDockerRunArgs({
      ...input.imager,
      imagerImage: input.imagerImage,
      arch,
      outDir: input.outDir,
      ...(user ? { user } : {}),
    });
    await deps.logger.group(`imager installer --arch ${arch}`, () =>
      runLogged(deps.exec, deps.logger, 'docker', args, {
        ...(input.env ? { env: { ...process.env, ...input.env } } : {}),
        failure: (code) =>
          `the imager ${input.imagerImage} failed for ${arch} with exit code ${code} (${describeImagerExitCode(code)})`,
      }),
    );
    out[arch] = requireTarball(path, arch, 'the imager');
  }
  return out;
}
