/** verify-image: read inputs → pipeline.verifyImage → outputs, job summary, annotations, PR comment. */
import { UserError } from '@talos-kmod/common';
import { failureMessage, formatReportMarkdown, verifyImage } from '@talos-kmod/pipeline';
import {
  createActionsLogger,
  logInfo,
  runAction,
  writeOutputs,
  writeSummary,
} from '@talos-kmod/action-kit';
import { annotate } from './annotations';
import { readInputs } from './inputs';
import { upsertReportComment } from './pr-comment';

void runAction(async () => {
  const { options, registry, prComment } = readInputs();
  const report = await verifyImage(options, { logger: createActionsLogger(), registry });
  const releases = [...new Set(report.platforms.map((p) => p.kernelRelease).filter(Boolean))];
  writeOutputs({
    passed: String(report.passed),
    report: options.reportPath,
    'kernel-release': report.kernelRelease ?? releases.join(','),
    modules: JSON.stringify(report.modules),
  });
  annotate(report);
  await writeSummary(formatReportMarkdown(report));
  if (prComment) await upsertReportComment(report, prComment.token);
  if (!report.passed) throw new UserError(failureMessage(report, options.reportPath));
  logInfo(
    `verify-image passed: ${report.platforms.length} platform(s), ${report.modules.length} module(s)`,
  );
});
