/** Adapts `@actions/core` to the libraries' `Logger`. */
import * as core from '@actions/core';
import type { Logger } from '@talos-kmod/common';

/** A `Logger` that writes through `@actions/core`; `group` becomes `core.group`. */
export function createActionsLogger(): Logger {
  return {
    debug: (m) => core.debug(m),
    info: (m) => core.info(m),
    warning: (m) => core.warning(m),
    error: (m) => core.error(m),
    group: (name, fn) => core.group(name, fn),
  };
}
