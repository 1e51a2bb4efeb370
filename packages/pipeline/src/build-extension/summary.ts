/** Job-summary markdown for build-extension. */
import { markdownCode, markdownText } from '@talos-kmod/common';
import type { BuildExtensionResult } from './build-extension';

const code = (s: string) => markdownCode(s, { inTable: true });

/** The summary of a finished run. */
export function extensionSummary(r: BuildExtensionResult): string {
  const lines = [
    `### build-extension: ${markdownText(r.extensionName)}`,
    '',
    '| | |',
    '|---|---|',
    `| extension-image | ${r.extensionImage ? code(r.extensionImage.toString()) : '(not pushed)'} |`,
    `| extension-version | ${r.extensionVersion ? code(r.extensionVersion) : '(unknown)'} |`,
    `| folder | ${code(r.folder)} |`,
    `| packages from | ${r.pkgs.mode}: ${code(r.pkgs.detail)} |`,
    '',
    `make command: ${markdownCode(r.makeCommand)}`,
  ];
  if (r.notes.length > 0) lines.push('', ...r.notes.map((n) => `- ${markdownText(n)}`));
  return `${lines.join('\n')}\n`;
}
