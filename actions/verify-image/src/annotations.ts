/** Failing checks as workflow annotations, tied to the file and line when the check has them. */
import * as core from '@actions/core';
import { isFailing, type VerifyReport } from '@talos-kmod/pipeline';

/** One annotation per failing check: errors, warnings and notices as such. */
export function annotate(report: VerifyReport): void {
  for (const c of report.checks) {
    if (c.status !== 'fail') continue;
    const title = `${c.id}${c.platform ? ` (${c.platform})` : ''}`;
    const props = {
      title,
      ...(c.path ? { file: c.path } : {}),
      ...(c.line ? { startLine: c.line } : {}),
    };
    if (isFailing(c, report.failOn) || c.severity === 'error') core.error(c.message, props);
    else if (c.severity === 'warning') core.warning(c.message, props);
    else core.notice(c.message, props);
  }
}
