/**
 * Adapts `@actions/core` to the libraries' `Logger`, and keeps untrusted text from being read as
 * workflow commands. `core.debug`, `core.warning`, `core.error` and `core.group` put their text
 * after the command with `%`, `\r` and `\n` escaped, so it stays data; `core.info` writes its
 * text raw, so a module name, a registry's error body or a file name holding `\n::add-mask::…`
 * or `##[error]…` would run (see common's workflow-commands.ts). {@link logInfo} is the way to
 * write such text.
 */
import * as core from '@actions/core';
import { guardWorkflowCommands, type Logger } from '@talos-kmod/common';

/**
 * Writes `message` to the log (as `core.info` does) so that no line of it can run as a workflow
 * command: text that could hold one goes between `::stop-commands::<token>` and `::<token>::`
 * with a fresh random token, which the runner prints without acting on anything in between.
 */
export function logInfo(message: string): void {
  core.info(guardWorkflowCommands(message));
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
