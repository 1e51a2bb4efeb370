/**
 * Writing action outputs. Each action passes an object literal whose keys are its `action.yml`
 * output names; undefined values are not written, so a later step sees an empty string.
 */
import * as core from '@actions/core';
import { logInfo } from './logger';

/** Sets every defined output and logs it at info level (outputs are never secret here). */
export function writeOutputs(outputs: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(outputs)) {
    if (value === undefined) continue;
    core.setOutput(name, value);
    logInfo(`output ${name}=${value.length > 300 ? `${value.slice(0, 300)}…` : value}`);
  }
}
