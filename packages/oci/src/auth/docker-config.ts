/**
 * Credentials from the Docker client's configuration (`$DOCKER_CONFIG/config.json`, default
 * `~/.docker/config.json`): `auths` entries with `auth` (base64 `user:password`) or
 * `identitytoken`, and credential helpers (`credHelpers`, `credsStore`) run as
 * `docker-credential-<name> get`, as docker/docker-credential-helpers specifies.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError, spawnExec, type ExecFn, type Logger } from '@talos-kmod/common';
import { dockerHub, dockerHubConfigKey } from '../reference/host';

/** Credentials for one registry. `identityToken` is an OAuth2 refresh token (`docker login` with SSO). */
export interface Credentials {
  username: string;
  password?: string;
  identityToken?: string;
}

/**
 * Credentials given explicitly: a pair for one named registry host (`ghcr.io`, `127.0.0.1:5000`),
 * or a function choosing per host. Every other host gets only what the docker config holds.
 */
export type CredentialsOption =
  | { registry: string; username: string; password: string }
  | ((registry: string) => { username: string; password: string } | undefined);

interface DockerConfigFile {
  auths?: Record<
    string,
    { auth?: string; username?: string; password?: string; identitytoken?: string }
  >;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** The directory holding `config.json`: `dockerConfigDir`, else `$DOCKER_CONFIG`, else `~/.docker`. */
export function dockerConfigDirectory(dir?: string, env: NodeJS.ProcessEnv = process.env): string {
  return dir ?? env.DOCKER_CONFIG ?? join(homedir(), '.docker');
}

/** The key the Docker client uses for a registry (Docker Hub has its legacy URL). */
export function configKeyFor(registry: string): string {
  return registry === dockerHub ? dockerHubConfigKey : registry;
}

/** `https://host/v1/` → `host`: how `auths` keys are matched against a registry. */
export function normalizeConfigKey(key: string): string {
  let host = key.trim().replace(/^[a-z]+:\/\//i, '');
  host = host.split('/')[0] ?? host;
  if (host === 'index.docker.io' || host === 'registry-1.docker.io') return dockerHub;
  return host.toLowerCase();
}

async function readConfigFile(path: string): Promise<DockerConfigFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e: unknown) {
    if ((e as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new UserError(`cannot read the docker config ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as DockerConfigFile;
  } catch {
    throw new UserError(
      `the docker config ${path} is not valid JSON: fix or remove it, then retry`,
    );
  }
}

function decodeAuth(auth: string, registry: string, path: string): Credentials {
  const decoded = Buffer.from(auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) {
    throw new UserError(
      `the 'auth' entry for ${registry} in ${path} is not base64 'user:password': run 'docker login ${registry}' again`,
    );
  }
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

async function runHelper(
  helper: string,
  registry: string,
  exec: ExecFn,
): Promise<Credentials | undefined> {
  const program = `docker-credential-${helper}`;
  let out: string;
  try {
    const r = await exec(program, ['get'], {
      input: configKeyFor(registry),
      okExitCodes: [0, 1],
      env: process.env,
    });
    if (r.exitCode !== 0) {
      if (/not found|no credentials/i.test(`${r.stdout}${r.stderr}`)) return undefined;
      throw new UserError(
        `credential helper ${program} failed for ${registry}: ${r.stderr.trim() || r.stdout.trim()}`,
      );
    }
    out = r.stdout;
  } catch (e: unknown) {
    if (e instanceof UserError) throw e;
    throw new UserError(`could not run credential helper ${program} for ${registry}`, { cause: e });
  }
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    parsed = JSON.parse(out) as typeof parsed;
  } catch {
    throw new UserError(
      `credential helper ${program} printed something other than JSON for ${registry}`,
    );
  }
  if (typeof parsed.Username !== 'string' || typeof parsed.Secret !== 'string') return undefined;
  if (parsed.Username === '<token>') return { username: '<token>', identityToken: parsed.Secret };
  return { username: parsed.Username, password: parsed.Secret };
}

/**
 * Looks up credentials for `registry` (a host as in references, `docker.io` for Docker Hub) in the
 * docker config; `undefined` when there are none.
 */
export async function dockerConfigCredentials(
  registry: string,
  options: { dockerConfigDir?: string; exec?: ExecFn; logger?: Logger } = {},
): Promise<Credentials | undefined> {
  const path = join(dockerConfigDirectory(options.dockerConfigDir), 'config.json');
  const config = await readConfigFile(path);
  if (!config) return undefined;
  const exec = options.exec ?? spawnExec;
  const wanted = normalizeConfigKey(registry);
  const helper = Object.entries(config.credHelpers ?? {}).find(
    ([k]) => normalizeConfigKey(k) === wanted,
  )?.[1];
  if (helper) {
    options.logger?.debug(`credentials for ${registry}: docker-credential-${helper}`);
    return runHelper(helper, registry, exec);
  }
  const entry = Object.entries(config.auths ?? {}).find(
    ([k]) => normalizeConfigKey(k) === wanted,
  )?.[1];
  if (entry?.identitytoken) {
    options.logger?.debug(`credentials for ${registry}: identity token from ${path}`);
    const username = entry.auth ? decodeAuth(entry.auth, registry, path).username : '<token>';
    return { username, identityToken: entry.identitytoken };
  }
  if (entry?.auth) {
    options.logger?.debug(`credentials for ${registry}: ${path}`);
    return decodeAuth(entry.auth, registry, path);
  }
  if (entry?.username && entry.password) {
    return { username: entry.username, password: entry.password };
  }
  if (config.credsStore) {
    options.logger?.debug(`credentials for ${registry}: docker-credential-${config.credsStore}`);
    return runHelper(config.credsStore, registry, exec);
  }
  return undefined;
}
