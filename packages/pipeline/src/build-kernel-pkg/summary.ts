/** Job-summary markdown for build-kernel-pkg (and the failure form both build steps use). */
import {
  describeError,
  isUserError,
  markdownCode,
  markdownFence,
  markdownText,
  redactText,
} from '@talos-kmod/common';
import type { PinnedReference } from '@talos-kmod/oci';
import type { BuildKernelPkgResult } from './build-kernel-pkg';

const code = (s: string) => markdownCode(s, { inTable: true });

/** The summary of a finished run: images, tag, verification, cache, notes. */
export function kernelPkgSummary(r: BuildKernelPkgResult): string {
  const images: [string, PinnedReference | undefined][] = [
    ['kernel', r.kernelImage],
    ...r.packages.map((p): [string, PinnedReference | undefined] => [p, r.pkgImages[p]]),
  ];
  const rows = images.map(
    ([name, ref]) => `| ${markdownText(name)} | ${ref ? code(ref.toString()) : '(not pushed)'} |`,
  );
  const lines = [
    `### build-kernel-pkg: ${markdownText(r.targets.join(', '))}`,
    '',
    '| image | pinned reference |',
    '|---|---|',
    ...rows,
    '',
    `pkgs-prefix ${markdownCode(r.pkgsPrefix.toString())}, pkgs-tag ${markdownCode(r.pkgsTag)}, cache hit: ${r.cacheHit ? 'yes' : 'no'}`,
  ];
  if (r.makeCommand) lines.push('', `make command: ${markdownCode(r.makeCommand)}`);
  if (r.verification.length > 0) {
    lines.push('', '| verified against the kernel key | modules | result |', '|---|---|---|');
    for (const v of r.verification) {
      lines.push(
        `| ${code(v.image.toString())} | ${v.modules} | ${v.passed ? 'passed' : 'FAILED'} |`,
      );
    }
  }
  if (r.notes.length > 0) lines.push('', ...r.notes.map((n) => `- ${markdownText(n)}`));
  return `${lines.join('\n')}\n`;
}

/** The summary of a failed step: the message and, when there are any, the last output lines. */
export function failureSummary(step: string, e: unknown): string {
  const lines = [`### ${step} failed`, '', markdownText(redactText(describeError(e)))];
  const details = isUserError(e) ? e.details : [];
  if (details.length > 0) {
    lines.push('', ...markdownFence(details.map((d) => redactText(d))));
  }
  return `${lines.join('\n')}\n`;
}
