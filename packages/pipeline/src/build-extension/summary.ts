/** Job-summary markdown for build-extension. */
import type { BuildExtensionResult } from './build-extension';

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

/** The summary of a finished run. */
export function extensionSummary(r: BuildExtensionResult): string {
  const lines = [
    `### build-extension: ${r.extensionName}`,
    '',
    '| | |',
    '|---|---|',
    `| extension-image | ${r.extensionImage ? code(r.extensionImage) : '(not pushed)'} |`,
    `| extension-version | ${r.extensionVersion ? code(r.extensionVersion) : '(unknown)'} |`,
    `| folder | ${code(r.folder)} |`,
    `| packages from | ${r.pkgs.mode}: ${code(r.pkgs.detail)} |`,
    '',
    `make command: ${code(r.makeCommand)}`,
  ];
  if (r.notes.length > 0) lines.push('', ...r.notes.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}
