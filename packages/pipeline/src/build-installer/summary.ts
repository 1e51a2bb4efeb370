/** The job summary of build-installer: what was built, from what, and the command to run next. */
import { installerArchFor } from '@talos-kmod/talos';

/** What the summary shows. */
export interface InstallerSummaryInput {
  readonly mode: 'talos-dir' | 'imager-image';
  readonly installerImage: string;
  readonly installerImages: Record<string, string>;
  readonly imagerImage: string;
  readonly installerBaseImage: string;
  readonly kernelImage?: string;
  readonly extensionImages: readonly string[];
  readonly extraKernelArgs: readonly string[];
  readonly layouts: Record<string, string>;
  readonly ttlSeconds?: number;
}

const code = (s: string) => `\`${s}\``;

/** Markdown for the job summary; ends with `talosctl upgrade --nodes <node> --image <installer>`. */
export function installerSummary(s: InstallerSummaryInput): string {
  const rows = Object.entries(s.installerImages).map(
    ([arch, ref]) => `| linux/${arch} | ${code(ref)} | ${s.layouts[arch] ?? ''} |`,
  );
  const inputs = [
    `- imager: ${code(s.imagerImage)}${s.mode === 'talos-dir' ? ` (built, INSTALLER_ARCH=${installerArchFor(Object.keys(s.installerImages))})` : ''}`,
    `- installer-base: ${code(s.installerBaseImage)}`,
    ...(s.kernelImage ? [`- kernel: ${code(s.kernelImage)}`] : []),
    ...(s.extensionImages.length > 0
      ? s.extensionImages.map((e) => `- extension: ${code(e)}`)
      : ['- extensions: none']),
    ...(s.extraKernelArgs.length > 0
      ? [`- extra kernel arguments: ${s.extraKernelArgs.map(code).join(' ')}`]
      : []),
  ];
  const ttl =
    s.ttlSeconds !== undefined
      ? [`ttl.sh deletes it after ${formatDuration(s.ttlSeconds)}.`, '']
      : [];
  return [
    '## Talos installer',
    '',
    `Installer: ${code(s.installerImage)}`,
    '',
    '| platform | image | boot assets |',
    '|---|---|---|',
    ...rows,
    '',
    'Built from:',
    '',
    ...inputs,
    '',
    ...ttl,
    'Upgrade a node with it:',
    '',
    '```sh',
    `talosctl upgrade --nodes <node> --image ${s.installerImage}`,
    '```',
    '',
  ].join('\n');
}

function formatDuration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} day${seconds === 86400 ? '' : 's'}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  if (seconds % 60 === 0) return `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}
