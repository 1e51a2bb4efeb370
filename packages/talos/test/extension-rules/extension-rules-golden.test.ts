import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  parseTolerantVersion,
  validateExtensionContents,
  validateExtensionRoot,
  validateExtensionManifest,
  type ImageEntry,
  type ImageEntryType,
  type Finding,
} from '@talos-kmod/talos';
import { updateGolden } from '../../../../test/support/golden';

const testdata = join(import.meta.dirname, 'testdata');

interface Case {
  options?: { extensionName?: string; talosVersion?: string };
  manifest?: string;
  entries: (string | { path: string; type?: ImageEntryType; mode?: number; linkTarget?: string })[];
}

function entriesOf(c: Case): ImageEntry[] {
  return c.entries.map((e) =>
    typeof e === 'string'
      ? { path: e, type: 'file', mode: 0o644, size: 1 }
      : {
          path: e.path,
          type: e.type ?? 'file',
          mode: e.mode ?? (e.type === 'directory' ? 0o755 : 0o644),
          size: 1,
          ...(e.linkTarget ? { linkTarget: e.linkTarget } : {}),
        },
  );
}

/** One line per finding: status, severity, id, where, message. */
export function render(findings: readonly Finding[]): string {
  return findings
    .map((f) => {
      const where = f.path ? ` ${f.path}${f.line ? `:${f.line}` : ''}` : '';
      return `${f.status} ${f.severity} ${f.id}${where}: ${f.message}`;
    })
    .join('\n');
}

function run(c: Case): Finding[] {
  const talos = c.options?.talosVersion ? parseTolerantVersion(c.options.talosVersion) : undefined;
  if (talos && !talos.ok) throw new Error(talos.error);
  const talosVersion = talos?.ok ? talos.version : undefined;
  const entries = entriesOf(c);
  return [
    ...validateExtensionRoot(entries),
    ...(c.manifest !== undefined
      ? validateExtensionManifest(c.manifest, {
          ...(c.options?.extensionName ? { extensionName: c.options.extensionName } : {}),
          ...(talosVersion ? { talosVersion } : {}),
        }).findings
      : []),
    ...validateExtensionContents(entries, talosVersion ? { talosVersion } : {}),
  ];
}

describe('extension rules (golden files: testdata/<case>.in → .out)', () => {
  const cases = readdirSync(testdata).filter((f) => f.endsWith('.in'));

  it('has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('%s gives the findings in its .out file', (name) => {
    const c = parse(readFileSync(join(testdata, name), 'utf8')) as Case;
    const actual = `${render(run(c))}\n`;
    const golden = join(testdata, name.replace(/\.in$/, '.out'));
    if (updateGolden()) writeFileSync(golden, actual);
    expect(actual).toBe(readFileSync(golden, 'utf8'));
  });
});
