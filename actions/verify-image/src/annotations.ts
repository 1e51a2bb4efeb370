/**
 * Failing checks as workflow annotations. Paths are inside the image, not the repository, so an
 * annotation never carries `file=` (GitHub would attach it to nothing): its title names the image
 * path instead. Repeated failures of one check become one annotation with a count (GitHub shows
 * at most 10 errors and 10 warnings per step).
 */
import * as core from '@actions/core';
import { groupChecks, isFailing, somePaths, type VerifyReport } from '@talos-kmod/pipeline';

/** `udev.syntax (linux/amd64): rootfs/usr/lib/udev/rules.d/51-hailo.rules:3`. */
export function annotationTitle(c: {
  id: string;
  platform?: string;
  path?: string;
  line?: number;
}): string {
  const where = c.path ? `: ${c.path}${c.line ? `:${c.line}` : ''}` : '';
  return `${c.id}${c.platform ? ` (${c.platform})` : ''}${where}`;
}

/** One annotation per failing check group: errors, warnings and notices as such. */
export function annotate(report: VerifyReport): void {
  for (const g of groupChecks(report)) {
    if (g.status !== 'fail') continue;
    const c = g.first;
    const more =
      g.count > 1
        ? ` (and ${g.count - 1} more like it${g.paths.length > 1 ? `: ${somePaths(g.paths.slice(1))}` : ''}; the job summary and JSON report list all)`
        : '';
    const props = { title: annotationTitle(c) };
    const text = `${c.message}${more}`;
    if (isFailing(c, report.failOn) || c.severity === 'error') core.error(text, props);
    else if (c.severity === 'warning') core.warning(text, props);
    else core.notice(text, props);
  }
}
