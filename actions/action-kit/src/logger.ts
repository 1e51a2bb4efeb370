/**
 * Adapts `@actions/core` to the libraries' `Logger`, and keeps untrusted text from being read as
 * workflow commands.
 *
 * The runner reads the step's output line by line (a line ends at `\n` or `\r`) and runs a line
 * as a command when, after leading blanks, it starts with `::name …::` or when it holds
 * `##[name …]` anywhere (the legacy form); see `TryParseV2` and `TryParse` in actions/runner
 * src/Runner.Common/ActionCommand.cs at 079cdb1d05fe0ec50f8c51de5a4fa51d0eb189b0.
 * `core.debug`, `core.warning`, `core.error` and `core.group` put their text after the command
 * with `%`, `\r` and `\n` escaped, so it stays data. `core.info` writes its text raw: a module
 * name, a registry's error body or a file name holding `\n::add-mask::…` or `##[error]…` would
 * run. {@link logInfo} is the way to write such text.
 */
import { randomBytes } from 'node:crypto';
import * as core from '@actions/core';
import type { Logger } from '@talos-kmod/common';

/** What the runner could take for the start of a command, in any line of the text. */
const commandLike = /::|##\[/;

/**
 * Writes `message` to the log (as `core.info` does) so that no line of it can run as a workflow
 * command. Text that could hold one is written between `::stop-commands::<token>` and
 * `::<token>::` with a fresh random token: the runner's own way to show untrusted text, which
 * it prints without acting on anything before the token comes back.
 */
export function logInfo(message: string): void {
  if (!commandLike.test(message)) {
    core.info(message);
    return;
  }
  const token = `talos-kmod-${randomBytes(16).toString('hex')}`;
  core.info(`::stop-commands::${token}`);
  core.info(message);
  core.info(`::${token}::`);
}

/** A `Logger` that writes through `@actions/core`; `group` becomes `core.group`. */
export function createActionsLogger(): Logger {
  return {
    debug: (m) => core.debug(m),
    info: (m) => logInfo(m),
    warning: (m) => core.warning(m),
    error: (m) => core.error(m),
    group: (name, fn) => core.group(name, fn),
  };
}
