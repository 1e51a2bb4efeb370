/** `--talos-version` and `--release-mismatch`: the release-pairing flags of the build commands. */
import type { Command } from 'commander';
import { InputError } from '@talos-kmod/common';

/** The parsed flags. */
export interface ReleaseFlags {
  talosVersion?: string;
  releaseMismatch?: string;
}

/** Adds the two flags to `command`. */
export function addReleaseFlags(command: Command, what: string): Command {
  return command
    .option(
      '--talos-version <version>',
      `the Talos release the build is for (e.g. v1.11.5): the ${what} checkout is checked against it`,
    )
    .option(
      '--release-mismatch <level>',
      `a ${what} checkout of another release than --talos-version: warn or error`,
      'warn',
    );
}

/** The step options from the flags; a bad level is a usage error naming it. */
export function releaseOptions(flags: ReleaseFlags): {
  talosVersion?: string;
  releaseMismatch: 'warn' | 'error';
} {
  const level = flags.releaseMismatch ?? 'warn';
  if (level !== 'warn' && level !== 'error') {
    throw new InputError(`--release-mismatch is '${level}': use warn or error`);
  }
  return {
    ...(flags.talosVersion ? { talosVersion: flags.talosVersion } : {}),
    releaseMismatch: level,
  };
}
