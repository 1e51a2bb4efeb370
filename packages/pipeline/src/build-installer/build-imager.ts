/**
 * talos-dir mode, first half: `make installer-base imager` in the checkout, then the two images
 * resolved to pinned references from the registry (never from the build log).
 */
import type { ExecFn, Logger } from '@talos-kmod/common';
import { resolveDigest, type PinnedReference, type RegistryOptions } from '@talos-kmod/oci';
import {
  describeTag,
  installerArchFor,
  installerBaseImagerMakeArgs,
  talosImageReference,
  type MakeAssignment,
  type TalosMakeTarget,
  makeVariable,
  readMakefile,
  type MakeValue,
} from '@talos-kmod/talos';
import { preflightBuildx } from '../step-kit/preflight';
import { runLogged } from './exec-step';

/** Pinned references of what `make installer-base imager` pushed. */
export interface BuiltImager {
  readonly target: TalosMakeTarget;
  readonly installerBaseImage: PinnedReference;
  readonly imagerImage: PinnedReference;
}

/** Environment for make: `PWD` must be the checkout, the Makefile mounts `$(PWD)/_out`. */
export function makeEnv(talosDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra, PWD: talosDir };
}

/** Builds and pushes installer-base and imager with the kernel `kernelImage` (pinned). */
export async function buildInstallerBaseAndImager(
  input: {
    talosDir: string;
    registry: MakeValue;
    username: MakeValue;
    tag?: MakeValue;
    platforms: readonly MakeValue[];
    kernelImage: MakeValue;
    makeArgs?: readonly MakeAssignment[];
    env?: NodeJS.ProcessEnv;
  },
  deps: { exec: ExecFn; logger: Logger; registry: RegistryOptions },
): Promise<BuiltImager> {
  const makefile = await readMakefile(input.talosDir, 'a siderolabs/talos checkout');
  await preflightBuildx(
    makeVariable(makefile, 'BUILD'),
    input.talosDir,
    deps.exec,
    makeEnv(input.talosDir, input.env),
  );
  const tag = input.tag ?? (await describeTag(input.talosDir, deps.exec));
  const target: TalosMakeTarget = {
    imageRegistry: input.registry,
    username: input.username,
    tag,
    platforms: input.platforms,
    ...(input.makeArgs ? { makeArgs: input.makeArgs } : {}),
  };
  const args = installerBaseImagerMakeArgs({ ...target, kernelImage: input.kernelImage });
  await deps.logger.group(
    `make installer-base imager (TAG=${tag}, INSTALLER_ARCH=${installerArchFor(input.platforms)})`,
    () =>
      runLogged(deps.exec, deps.logger, 'make', args, {
        cwd: input.talosDir,
        env: makeEnv(input.talosDir, input.env),
        failure: (code) =>
          `make installer-base imager failed in ${input.talosDir} (exit ${code}) with PKG_KERNEL=${input.kernelImage}: ` +
          'see the last lines below; check the kernel image exists for every platform and that docker can push to ' +
          `${input.registry}/${input.username} (log in first, e.g. with docker/login-action)`,
      }),
  );
  const [base, imager] = await Promise.all([
    resolveDigest(talosImageReference(target, 'installer-base'), deps.registry),
    resolveDigest(talosImageReference(target, 'imager'), deps.registry),
  ]);
  deps.logger.info(`installer-base: ${base.toString()}`);
  deps.logger.info(`imager: ${imager.toString()}`);
  return {
    target,
    installerBaseImage: base,
    imagerImage: imager,
  };
}
