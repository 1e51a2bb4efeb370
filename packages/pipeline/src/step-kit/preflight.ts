/**
 * A registry check before a build that can take tens of minutes: the registry must answer (and
 * accept the credentials for a pull) before make starts, or the push at the end would fail.
 */
import { UserError, describeError, type ExecFn } from '@talos-kmod/common';
import { RegistryError, type Reference, type RegistryClient } from '@talos-kmod/oci';

/** The registry could not be reached or refused access (the CLI exits with 2, like other access errors). */
export class RegistryAccessError extends UserError {
  override readonly name = 'UserError';
  readonly exitCode = 2;
}

/** Throws a {@link RegistryAccessError} naming the registry when it cannot be reached or refuses access. */
export async function preflightRegistry(
  client: RegistryClient,
  probe: Reference,
  registry: string,
): Promise<void> {
  try {
    await client.head(probe);
  } catch (e: unknown) {
    const status = e instanceof RegistryError ? e.status : undefined;
    const hint =
      status === 401 || status === 403
        ? 'log in first (docker/login-action, or registry-username and registry-password) and check the token may write packages'
        : 'check the registry input (a plain-HTTP registry off loopback also needs insecure-registries)';
    throw new RegistryAccessError(
      `registry ${registry} is not usable before the build: ${describeError(e)}; ${hint}`,
      {
        cause: e,
      },
    );
  }
}

/**
 * When the checkout's Makefile builds with `docker buildx` (every upstream pkgs, extensions and
 * talos branch does), checks that the buildx plugin answers before make starts: without it make
 * fails with docker's confusing `unknown flag: --target`.
 */
export async function preflightBuildx(
  build: string | undefined,
  dir: string,
  exec: ExecFn,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  if (!build || !/\bdocker\s+buildx\b/.test(build)) return;
  try {
    await exec('docker', ['buildx', 'version'], { env, tailLines: 5 });
  } catch (e: unknown) {
    throw new UserError(
      `the Makefile in ${dir} builds with docker buildx, but 'docker buildx version' failed (${describeError(e)}): ` +
        'install the Docker buildx plugin (Debian: docker-buildx; GitHub Actions: add docker/setup-buildx-action before this step)',
      { cause: e },
    );
  }
}
