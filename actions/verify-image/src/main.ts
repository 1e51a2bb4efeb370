/** verify-image: the step's contract read from the runner → pipeline.verifyImage → outputs, job summary, annotations, PR comment. */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { UserError } from '@talos-kmod/common';
import {
  failureMessage,
  formatReportMarkdown,
  verifyImage,
  verifyImageContract,
} from '@talos-kmod/pipeline';
import {
  createActionsLogger,
  logInfo,
  readStepInputs,
  runAction,
  writeStepOutputs,
  writeSummary,
} from '@talos-kmod/action-kit';
import { annotate } from './annotations';
import { upsertReportComment } from './pr-comment';

void runAction(async () => {
  const { values, options } = readStepInputs(verifyImageContract);
  // the action always writes the report: by default in the runner's temporary directory
  const reportPath =
    options.verify.reportPath ??
    join(process.env.RUNNER_TEMP ?? tmpdir(), 'verify-image-report.json');
  const report = await verifyImage(
    { ...options.verify, reportPath },
    { logger: createActionsLogger(), registry: options.access },
  );
  writeStepOutputs(verifyImageContract, { report, reportPath });
  annotate(report);
  await writeSummary(formatReportMarkdown(report));
  const token = values['github-token'];
  if (values['pr-comment'] && token) await upsertReportComment(report, token);
  if (!report.passed) throw new UserError(failureMessage(report, reportPath));
  logInfo(
    `verify-image passed: ${report.platforms.length} platform(s), ${report.modules.length} module(s)`,
  );
});
