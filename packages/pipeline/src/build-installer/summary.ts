/** The job summary of build-installer: what was built, from what, and the command to run next. */
import { markdownCode, markdownFence } from '@talos-kmod/common';
import { installerArchFor } from '@talos-kmod/talos';
import type { PinnedReference } from '@talos-kmod/oci';
import { describeCounts, formatInstallersMarkdown, type VerifyReport } from '@talos-kmod/verify';

/** What the summary shows. */
export interface InstallerSummaryInput {
  readonly mode: 'talos-dir' | 'imager-image';
  readonly installerImage: PinnedReference;
  readonly installerImages: Record<string, PinnedReference>;
  readonly imagerImage: PinnedReference;
  readonly installerBaseImage: PinnedReference;
  readonly kernelImage?: PinnedReference;
  readonly extensionImages: readonly PinnedReference[];
  readonly extraKernelArgs: readonly string[];
  readonly overlay?: { readonly image: string; readonly name: string };
  readonly layouts: Record<string, string>;
  readonly ttlSeconds?: number;
  /** arch → the verification of its tarball before the push. */
  readonly verified?: Record<string, VerifyReport>;
}

const code = (s: string) => markdownCode(s, { inTable: true });

/** Markdown for the job summary; ends with `talosctl upgrade --nodes <node> --image <installer>`. */
export function installerSummary(s: InstallerSummaryInput): string {
  const rows = Object.entries(s.installerImages).map(
    ([arch, ref]) => `| linux/${arch} | ${code(ref.toString())} | ${s.layouts[arch] ?? ''} |`,
  );
  const inline = (x: string | PinnedReference) => markdownCode(x.toString());
  const inputs = [
    `- imager: ${inline(s.imagerImage)}${s.mode === 'talos-dir' ? ` (built, INSTALLER_ARCH=${installerArchFor(Object.keys(s.installerImages))})` : ''}`,
    `- installer-base: ${inline(s.installerBaseImage)}`,
    ...(s.kernelImage ? [`- kernel: ${inline(s.kernelImage)}`] : []),
    ...(s.extensionImages.length > 0
      ? s.extensionImages.map((e) => `- extension: ${inline(e)}`)
      : ['- extensions: none']),
    ...(s.extraKernelArgs.length > 0
      ? [`- extra kernel arguments: ${s.extraKernelArgs.map(inline).join(' ')}`]
      : []),
    ...(s.overlay ? [`- overlay: ${inline(s.overlay.image)} (${inline(s.overlay.name)})`] : []),
  ];
  const ttl =
    s.ttlSeconds !== undefined
      ? [`ttl.sh deletes it after ${formatDuration(s.ttlSeconds)}.`, '']
      : [];
  const verified = Object.entries(s.verified ?? {}).flatMap(([arch, r]) => [
    `- linux/${arch}: ${r.passed ? '✅ verified' : '⚠️ pushed with findings'} before the push (${describeCounts(r)})`,
  ]);
  const installers = formatInstallersMarkdown(
    Object.values(s.verified ?? {}).flatMap((r) => r.installers ?? []),
  ).map((l) => l.replace(/^### /, '#### '));
  return [
    '## Talos installer',
    '',
    `Installer: ${inline(s.installerImage)}`,
    '',
    '| platform | image | boot assets |',
    '|---|---|---|',
    ...rows,
    '',
    'Built from:',
    '',
    ...inputs,
    '',
    ...(verified.length > 0
      ? ['What the node will boot:', '', ...verified, ...installers, '']
      : []),
    ...ttl,
    'Upgrade a node with it:',
    '',
    ...markdownFence(
      [`talosctl upgrade --nodes <node> --image ${s.installerImage.toString()}`],
      'sh',
    ),
    '',
  ].join('\n');
}

function formatDuration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} day${seconds === 86400 ? '' : 's'}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  if (seconds % 60 === 0) return `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}
