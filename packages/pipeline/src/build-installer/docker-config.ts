/**
 * Credentials for the docker CLI that make and the imager run: when the step is given a username
 * and password, a temporary DOCKER_CONFIG holds the user's config plus an `auths` entry for the
 * registry (without a credential store for it, which would take precedence). Deleted after the run.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary docker config directory; `dispose()` removes it. */
export interface TemporaryDockerConfig {
  readonly dir: string;
  dispose(): void;
}

/** Writes the config; `registries` are the hosts the credentials are for. */
export function writeDockerConfig(
  registries: readonly string[],
  credentials: { username: string; password: string },
  env: NodeJS.ProcessEnv = process.env,
): TemporaryDockerConfig {
  const source = join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
  let config: Record<string, unknown> = {};
  if (existsSync(source)) {
    try {
      config = JSON.parse(readFileSync(source, 'utf8')) as Record<string, unknown>;
    } catch {
      config = {};
    }
  }
  const auths = { ...((config.auths as Record<string, unknown> | undefined) ?? {}) };
  const helpers = { ...((config.credHelpers as Record<string, unknown> | undefined) ?? {}) };
  const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  for (const r of registries) {
    auths[r] = { auth };
    delete helpers[r];
  }
  const rest = { ...config };
  delete rest.credsStore;
  const dir = mkdtempSync(join(tmpdir(), 'talos-kmod-docker-config-'));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ ...rest, auths, credHelpers: helpers }, null, 2),
    { mode: 0o600 },
  );
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
