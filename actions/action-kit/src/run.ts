/**
 * The one place an action turns a thrown value into a failed step: a `UserError`
 * prints as is with its details; anything else is reported as unexpected, stack at debug level.
 */
import * as core from '@actions/core';
import { describeError, isUserError, redactText } from '@talos-kmod/common';
import { logInfo } from './logger';

/** Runs the action body and fails the step on error. Never throws. */
export async function runAction(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e: unknown) {
    if (isUserError(e)) {
      for (const line of e.details) logInfo(redactText(line));
      core.setFailed(redactText(e.message));
      return;
    }
    if (e instanceof Error && e.stack) core.debug(redactText(e.stack));
    core.setFailed(
      `unexpected error: ${redactText(describeError(e))}. ` +
        'Re-run with ACTIONS_STEP_DEBUG=true for the stack and report it as a bug.',
    );
  }
}
