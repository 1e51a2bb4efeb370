/**
 * Registry flags shared by commands that talk to registries: `--insecure-registry` (repeatable),
 * `--username` with `--password-stdin`, `--ca-file`; turned into `RegistryOptions`.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UserError, type Logger } from '@talos-kmod/common';
import { parsePlatform, type Platform, type RegistryOptions } from '@talos-kmod/oci';

/** The parsed flags. */
export interface RegistryFlags {
  insecureRegistry: string[];
  username?: string;
  passwordStdin?: boolean;
  caFile?: string;
}

const collect = (value: string, previous: string[]): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

/** Adds the registry flags to a command. */
export function addRegistryFlags(command: Command): Command {
  return command
    .option(
      '--insecure-registry <host>',
      'registry reached over plain HTTP (repeatable; loopback is automatic)',
      collect,
      [],
    )
    .option(
      '--username <name>',
      'registry user name (with --password-stdin; else the docker config is used)',
    )
    .option('--password-stdin', 'read the registry password or token from standard input')
    .option('--ca-file <path>', 'extra CA certificate (PEM) to trust for registries');
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) text += chunk.toString();
  return text.replace(/\r?\n$/, '');
}

/** A usage or access error (exit code 2): bad flags, missing or rejected credentials. */
export class AccessError extends UserError {
  readonly exitCode = 2;
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
    throw new AccessError(
      '--password-stdin needs --username: give the user name the password belongs to',
    );
  }
  if (flags.username) {
    if (!flags.passwordStdin) {
      throw new AccessError(
        '--username needs --password-stdin: pipe the password or token in (echo "$TOKEN" | talos-kmod … --password-stdin)',
      );
    }
    const password = await readStdin(stdin);
    if (!password)
      throw new AccessError('--password-stdin read an empty password from standard input');
    options.credentials = { username: flags.username, password };
  }
  if (flags.caFile) {
    try {
      options.caCertificates = await readFile(flags.caFile);
    } catch (e: unknown) {
      throw new AccessError(`cannot read --ca-file ${flags.caFile}: ${(e as Error).message}`);
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
    throw new AccessError((e as Error).message);
  }
}
