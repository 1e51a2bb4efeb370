/**
 * Flag helpers every command shares: repeatable and comma-separated lists, the usage error (exit
 * code 2) and secrets read from standard input.
 */
import { UserError } from '@talos-kmod/common';

/** A repeatable flag whose values may also be comma-separated: `--platform a,b --platform c`. */
export function listFlag(value: string, previous: string[]): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

/** A repeatable flag taken verbatim (values may contain commas): `--make-arg A=1,2`. */
export function repeatFlag(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A usage or access error: bad flags, missing or rejected credentials. Exit code 2. */
export class UsageError extends UserError {
  readonly exitCode = 2;
}

/**
 * Fails with one usage error naming every required flag that is missing (commander's own
 * `requiredOption` reports them one per run). `flags` maps each flag (without `--`) to its value.
 */
export function requireFlags(command: string, flags: Readonly<Record<string, unknown>>): void {
  const missing = Object.entries(flags)
    .filter(([, v]) => v === undefined || v === '')
    .map(([k]) => `--${k}`);
  if (missing.length > 0) {
    throw new UsageError(
      `${command} needs ${missing.join(', ')}: give ${missing.length === 1 ? 'it' : 'them'} (talos-kmod ${command} --help shows an example of each)`,
    );
  }
}

/** Reads a secret (password, token) from standard input: everything, minus one final newline. */
export async function readStdinSecret(
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<string> {
  let text = '';
  for await (const chunk of stdin) text += chunk.toString();
  return text.replace(/\r?\n$/, '');
}
