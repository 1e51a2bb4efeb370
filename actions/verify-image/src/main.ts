/** verify-image: read inputs → pipeline.verifyImage → outputs, job summary, annotations. */
import * as core from '@actions/core';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { UserError } from '@talos-kmod/common';
import type { RegistryOptions } from '@talos-kmod/oci';
import {
  failureMessage,
  formatReportMarkdown,
  isFailing,
  verifyImage,
  type VerifyImageOptions,
  type VerifyReport,
} from '@talos-kmod/pipeline';
import {
  createActionsLogger,
  readChoice,
  readList,
  readRequired,
  readSecret,
  readString,
  runAction,
  writeOutputs,
  writeSummary,
} from '../../shared/src/index';

function readInputs(): { options: VerifyImageOptions; registry: RegistryOptions } {
  const username = readString('registry-username');
  const password = readSecret('registry-password');
  if ((username === undefined) !== (password === undefined)) {
    throw new UserError(
      "inputs 'registry-username' and 'registry-password' go together: set both, or neither to use the docker config",
    );
  }
  const kernelImage = readString('kernel-image');
  const kernelRelease = readString('kernel-release');
  const extensionName = readString('extension-name');
  const talosVersion = readString('talos-version');
  const platform = readString('platform');
  const reportPath =
    readString('report-path') ??
    join(process.env.RUNNER_TEMP ?? tmpdir(), 'verify-image-report.json');
  return {
    options: {
      image: readRequired('image'),
      ...(kernelImage ? { kernelImage } : {}),
      ...(kernelRelease ? { kernelRelease } : {}),
      modules: readList('modules'),
      ...(extensionName ? { extensionName } : {}),
      ...(talosVersion ? { talosVersion } : {}),
      ...(platform ? { platform } : {}),
      failOn: readChoice('fail-on', ['error', 'warning'] as const, 'error'),
      reportPath,
    },
    registry: {
      insecureRegistries: readList('insecure-registries'),
      ...(username && password ? { credentials: { username, password } } : {}),
    },
  };
}

/** One annotation per failing check; warnings and notes as such, tied to the path when known. */
function annotate(report: VerifyReport): void {
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

void runAction(async () => {
  const { options, registry } = readInputs();
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
  if (!report.passed) throw new UserError(failureMessage(report, options.reportPath));
  core.info(
    `verify-image passed: ${report.platforms.length} platform(s), ${report.modules.length} module(s)`,
  );
});
