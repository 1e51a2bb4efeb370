/**
 * Registry flags shared by every command that talks to registries, spelled like the actions'
 * inputs: `--insecure-registry` (repeatable), `--registry-username` with
 * `--registry-password-stdin` (for one registry host: `--registry`, default the image's host),
 * `--registry-timeout`, and `--ca-file` where the step can use it.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Logger } from '@talos-kmod/common';
import { pairCredentials, registryAccessInputs } from '@talos-kmod/pipeline/contracts';
import { readStdinSecret, UsageError } from './flags';
import { addInputFlags, asFlagError } from './step-flags';
import {
  formatImageSpec,
  parseImageSpec,
  parsePlatform,
  registryOf,
  type ImageSpec,
  type Platform,
  type RegistryOptions,
} from '@talos-kmod/oci';

/** The parsed flags. */
export interface RegistryFlags {
  insecureRegistry: string[];
  registryUsername?: string;
  registryPasswordStdin?: boolean;
  /** The registry host the credentials are for (commands that push define it themselves). */
  registry?: string;
  registryTimeout?: string;
  caFile?: string;
}

/**
 * Adds the registry flags to a command; `caFile: false` for steps that cannot take a CA;
 * `registryHost: true` adds `--registry` naming the host the credentials are for (commands
 * that push already have a `--registry`).
 */
export function addRegistryFlags(
  command: Command,
  options: { caFile?: boolean; registryHost?: boolean } = {},
): Command {
  if (options.registryHost) {
    command.option(
      '--registry <host>',
      "registry host --registry-username's credentials are for (default: the image's registry; other hosts use the docker config)",
    );
  }
  addInputFlags(command, registryAccessInputs).option(
    '--registry-timeout <seconds>',
    'how long a registry may take to answer a request (connecting: half of it; default 60)',
  );
  if (options.caFile ?? true) {
    command.option('--ca-file <path>', 'extra CA certificate (PEM) to trust for registries');
  }
  return command;
}

/** The credentials the flags give (reads standard input), or undefined for the docker config. */
export async function registryCredentials(
  flags: RegistryFlags,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<{ username: string; password: string } | undefined> {
  // the pairing rule first, so a lone --registry-username never waits on standard input
  try {
    pairCredentials(flags.registryUsername, flags.registryPasswordStdin ? 'from stdin' : undefined);
  } catch (e: unknown) {
    throw asFlagError(e, registryAccessInputs);
  }
  if (!flags.registryUsername) return undefined;
  const password = await readStdinSecret(stdin);
  if (!password) {
    throw new UsageError('--registry-password-stdin read an empty password from standard input');
  }
  return { username: flags.registryUsername, password };
}

/**
 * The registry host of an image spec, or undefined for archives and directories. A spec still
 * to be parsed that does not parse has none (the command that parses it says why).
 */
export function registryHostOf(spec: ImageSpec | string | undefined): string | undefined {
  if (spec === undefined) return undefined;
  if (typeof spec !== 'string') return registryOf(spec);
  try {
    return registryOf(parseImageSpec(spec));
  } catch {
    return undefined;
  }
}

/** `--registry-timeout` as `RegistryOptions.timeouts`, or undefined for the defaults. */
export function registryTimeouts(value: string | undefined): RegistryOptions['timeouts'] {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new UsageError(
      `--registry-timeout is '${value}': give a number of seconds above 0 and at most 3600, e.g. 60`,
    );
  }
  const ms = Math.round(seconds * 1000);
  return { requestMs: ms, connectMs: Math.max(1, Math.round(ms / 2)) };
}

/**
 * Builds `RegistryOptions` from the flags (reads stdin and the CA file). Explicit credentials
 * belong to `--registry`, else to the registry of `primary` (the image the command is about);
 * with neither, giving credentials is a usage error.
 */
export async function registryOptions(
  flags: RegistryFlags,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
  stdin: NodeJS.ReadableStream = process.stdin,
  primary?: ImageSpec | string,
): Promise<RegistryOptions> {
  const options: RegistryOptions = {
    insecureRegistries: flags.insecureRegistry,
    logger,
    ...(await registryConnection(flags, env)),
  };
  const host = flags.registry ?? registryHostOf(primary);
  if (flags.registryUsername && !host) {
    throw new UsageError(
      `--registry-username needs the registry host it is for: '${primary === undefined || typeof primary === 'string' ? (primary ?? '') : formatImageSpec(primary)}' is not in a registry, so name the registry with --registry <host>`,
    );
  }
  const credentials = await registryCredentials(flags, stdin);
  if (credentials && host) options.credentials = { registry: host, ...credentials };
  return options;
}

/**
 * What only the CLI sets on `RegistryOptions`: `--registry-timeout`, `--ca-file` (read here) and
 * the docker config directory of `$DOCKER_CONFIG`.
 */
export async function registryConnection(
  flags: { readonly registryTimeout?: string | undefined; readonly caFile?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): Promise<Pick<RegistryOptions, 'timeouts' | 'caCertificates' | 'dockerConfigDir'>> {
  const timeouts = registryTimeouts(flags.registryTimeout);
  let caCertificates: Buffer | undefined;
  if (flags.caFile) {
    try {
      caCertificates = await readFile(flags.caFile);
    } catch (e: unknown) {
      throw new UsageError(`cannot read --ca-file ${flags.caFile}: ${(e as Error).message}`);
    }
  }
  return {
    ...(env.DOCKER_CONFIG ? { dockerConfigDir: env.DOCKER_CONFIG } : {}),
    ...(timeouts ? { timeouts } : {}),
    ...(caCertificates ? { caCertificates } : {}),
  };
}

/** Access failures (401/403 from a registry) exit with code 2, like usage errors. */
export function accessExitCode<T extends Error>(e: T): T {
  const status = (e as { status?: unknown }).status;
  if (status === 401 || status === 403) Object.assign(e, { exitCode: 2 });
  return e;
}

/** Parses a `--platform` value; a bad one is a usage error (exit code 2). */
export function platformFlag(value: string | undefined): Platform | undefined {
  if (value === undefined) return undefined;
  try {
    return parsePlatform(value);
  } catch (e: unknown) {
    throw new UsageError((e as Error).message);
  }
}
