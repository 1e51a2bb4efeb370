/**
 * Credentials for the docker/buildx commands that make and the imager run. With explicit registry
 * credentials, a temporary DOCKER_CONFIG holds the user's config plus an `auths` entry for each
 * registry (their credential helpers, which would win, are dropped for those registries only);
 * BUILDX_CONFIG keeps pointing at the user's buildx directory, so the builder chosen by
 * docker/setup-buildx-action stays selected. The directory is removed afterwards.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@talos-kmod/common';

/** Runs `fn` with an environment whose docker config carries `credentials` for `registries`. */
export async function withDockerCredentials<T>(
  env: NodeJS.ProcessEnv,
  registries: readonly string[],
  credentials: { readonly username: string; readonly password: string } | undefined,
  logger: Logger,
  fn: (env: NodeJS.ProcessEnv) => Promise<T>,
): Promise<T> {
  if (!credentials) return fn(env);
  const userDir = env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker');
  let config: Record<string, unknown> = {};
  try {
    config = JSON.parse(await readFile(join(userDir, 'config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    config = {};
  }
  const auths = { ...((config.auths as Record<string, unknown> | undefined) ?? {}) };
  const helpers = { ...((config.credHelpers as Record<string, unknown> | undefined) ?? {}) };
  const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  for (const registry of registries) {
    auths[registry] = { auth };
    delete helpers[registry];
  }
  if (typeof config.credsStore === 'string') {
    logger.warning(
      `the docker config sets credsStore '${config.credsStore}', which docker consults before 'auths'; ` +
        `it is left out for this build so the given credentials for ${registries.join(', ')} are used`,
    );
  }
  const rest = { ...config };
  delete rest.credsStore;
  await mkdir(env.RUNNER_TEMP ?? tmpdir(), { recursive: true });
  const dir = await mkdtemp(join(env.RUNNER_TEMP ?? tmpdir(), 'talos-kmod-docker-config-'));
  try {
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({ ...rest, auths, credHelpers: helpers }, null, 2),
      { mode: 0o600 },
    );
    return await fn({
      ...env,
      DOCKER_CONFIG: dir,
      BUILDX_CONFIG: env.BUILDX_CONFIG ?? join(userDir, 'buildx'),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
