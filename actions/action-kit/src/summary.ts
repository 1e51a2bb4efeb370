/** Job summary writing that never fails the job (optional work only warns). */
import * as core from '@actions/core';
import { describeError } from '@talos-kmod/common';

/** Appends markdown to the job summary; a failure to write it is a warning. */
export async function writeSummary(markdown: string): Promise<void> {
  try {
    await core.summary.addRaw(markdown, true).write();
  } catch (e: unknown) {
    core.warning(`could not write the job summary: ${describeError(e)}`);
  }
}
