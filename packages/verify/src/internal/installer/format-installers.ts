/** The installers part of the report, as markdown (job summary, PR comment) and as text. */
import type { InstallerReport } from '../../report';

function verdictText(verdicts: Partial<Record<string, number>>): string {
  const parts = Object.entries(verdicts)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([v, n]) => `${n} ${v}`);
  return parts.length > 0 ? parts.join(', ') : 'no modules';
}

function sigEnforce(k: InstallerReport['kernel']): string {
  if (k.sigEnforce === undefined) return 'set at install time (no UKI)';
  const value = k.sigEnforce === 'absent' ? 'absent' : `module.sig_enforce=${k.sigEnforce}`;
  return `${value} (${k.signaturesEnforced ? 'enforced' : 'not enforced'})`;
}

function fingerprints(k: InstallerReport['kernel']): string {
  return k.certificates.map((c) => c.sha256Fingerprint).join(', ') || 'none found';
}

const cell = (t: string) => t.replace(/\|/g, '\\|');

/** Markdown lines: per architecture, the kernel and a table of extensions. */
export function installersMarkdown(installers: readonly InstallerReport[]): string[] {
  const lines: string[] = [];
  for (const i of installers) {
    const where = i.platform ?? i.arch;
    lines.push(
      '',
      `### Installer ${where}${i.talosVersion ? ` (Talos ${i.talosVersion})` : ''}`,
      '',
      `- boots kernel \`${i.kernel.release ?? '?'}\`, ${i.layout === 'uki' ? 'UKI' : 'vmlinuz + initramfs.xz'}`,
      `- certificate SHA-256: \`${fingerprints(i.kernel)}\``,
      `- module signatures: ${sigEnforce(i.kernel)}`,
    );
    if (i.extensions.length === 0) {
      lines.push('- extensions: none');
      continue;
    }
    lines.push('', '| Extension | Version | Image | Modules | Verdicts |', '|---|---|---|---|---|');
    for (const e of i.extensions) {
      const ok = e.moduleCount === (e.verdicts.verified ?? 0);
      lines.push(
        `| ${cell(e.name)} | ${cell(e.version)} | \`${cell(e.image)}\` | ${e.moduleCount} | ${ok ? '✅' : '❌'} ${cell(verdictText(e.verdicts))} |`,
      );
    }
  }
  return lines;
}

/** Text lines for the terminal. */
export function installersText(installers: readonly InstallerReport[]): string[] {
  const lines: string[] = [];
  for (const i of installers) {
    lines.push(
      `  installer ${i.platform ?? i.arch}: kernel ${i.kernel.release ?? '?'}${i.talosVersion ? ` (Talos ${i.talosVersion})` : ''}, certificate ${fingerprints(i.kernel)}, signatures ${sigEnforce(i.kernel)}`,
    );
    for (const e of i.extensions) {
      lines.push(
        `    ${e.name} ${e.version} (${e.image}): ${e.moduleCount} module(s), ${verdictText(e.verdicts)}`,
      );
    }
  }
  return lines;
}
