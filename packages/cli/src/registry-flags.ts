/**
 * Registry flags shared by commands that talk to registries: `--insecure-registry` (repeatable),
 * `--username` with `--password-stdin`, `--ca-file`; turned into `RegistryOptions`.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Logger } from '@talos-kmod/common';
import { listFlag, readStdinSecret, UsageError } from './flags';
import { parsePlatform, type Platform, type RegistryOptions } from '@talos-kmod/oci';

/** The parsed flags. */
export interface RegistryFlags {
  insecureRegistry: string[];
  username?: string;
  passwordStdin?: boolean;
  caFile?: string;
}

/** Adds the registry flags to a command. */
export function addRegistryFlags(command: Command): Command {
  return command
    .option(
      '--insecure-registry <host>',
      'registry reached over plain HTTP (repeatable; loopback is automatic)',
      listFlag,
      [],
    )
    .option(
      '--username <name>',
      'registry user name (with --password-stdin; else the docker config is used)',
    )
    .option('--password-stdin', 'read the registry password or token from standard input')
    .option('--ca-file <path>', 'extra CA certificate (PEM) to trust for registries');
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
  if (flags.passwordStdin && !flags.username) {
    throw new UsageError(
      '--password-stdin needs --username: give the user name the password belongs to',
    );
  }
  if (flags.username) {
    if (!flags.passwordStdin) {
      throw new UsageError(
        '--username needs --password-stdin: pipe the password or token in (echo "$TOKEN" | talos-kmod … --password-stdin)',
      );
    }
    const password = await readStdinSecret(stdin);
    if (!password)
      throw new UsageError('--password-stdin read an empty password from standard input');
    options.credentials = { username: flags.username, password };
  }
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
