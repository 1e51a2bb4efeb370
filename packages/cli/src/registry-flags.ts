/**
 * Registry flags shared by every command that talks to registries, spelled like the actions'
 * inputs: `--insecure-registry` (repeatable), `--registry-username` with
 * `--registry-password-stdin`, and `--ca-file` where the step can use it.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Logger } from '@talos-kmod/common';
import { listFlag, readStdinSecret, UsageError } from './flags';
import { parsePlatform, type Platform, type RegistryOptions } from '@talos-kmod/oci';

/** The parsed flags. */
export interface RegistryFlags {
  insecureRegistry: string[];
  registryUsername?: string;
  registryPasswordStdin?: boolean;
  caFile?: string;
}

/** Adds the registry flags to a command; `caFile: false` for steps that cannot take a CA. */
export function addRegistryFlags(command: Command, options: { caFile?: boolean } = {}): Command {
  command
    .option(
      '--insecure-registry <host>',
      'registry reached over plain HTTP (repeatable; loopback is automatic)',
      listFlag,
      [],
    )
    .option(
      '--registry-username <name>',
      'registry user name (with --registry-password-stdin; else the docker config is used)',
    )
    .option('--registry-password-stdin', 'read the registry password or token from standard input');
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
  if (Boolean(flags.registryUsername) !== Boolean(flags.registryPasswordStdin)) {
    throw new UsageError(
      '--registry-username and --registry-password-stdin go together: pipe the password or token in (echo "$TOKEN" | talos-kmod … --registry-password-stdin)',
    );
  }
  if (!flags.registryUsername) return undefined;
  const password = await readStdinSecret(stdin);
  if (!password) {
    throw new UsageError('--registry-password-stdin read an empty password from standard input');
  }
  return { username: flags.registryUsername, password };
}

/** Builds `RegistryOptions` from the flags (reads stdin and the CA file). */
export async function registryOptions(
  flags: RegistryFlags,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<RegistryOptions> {
  const options: RegistryOptions = {
    insecureRegistries: flags.insecureRegistry,
    logger,
    ...(env.DOCKER_CONFIG ? { dockerConfigDir: env.DOCKER_CONFIG } : {}),
  };
  const credentials = await registryCredentials(flags, stdin);
  if (credentials) options.credentials = credentials;
  if (flags.caFile) {
    try {
      options.caCertificates = await readFile(flags.caFile);
    } catch (e: unknown) {
      throw new UsageError(`cannot read --ca-file ${flags.caFile}: ${(e as Error).message}`);
    }
  }
  return options;
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
