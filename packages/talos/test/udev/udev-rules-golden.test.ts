import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkSubstitutions,
  cUnescape,
  parseUdevRules,
  type UdevRulesFile,
} from '@talos-kmod/talos';
import { updateGolden } from '../../../../test/support/golden';

const testdata = join(import.meta.dirname, 'testdata');

function render(file: UdevRulesFile): string {
  const rules = file.rules.map(
    (r) =>
      `rule ${r.line}: ${r.tokens
        .map(
          (t) =>
            `${t.key}${t.attr !== undefined ? `{${t.attr}}` : ''} ${t.op} ${JSON.stringify(t.value)}${t.escaped ? ' [e]' : ''}${t.caseInsensitive ? ' [i]' : ''}`,
        )
        .join(' | ')}`,
  );
  const diagnostics = file.diagnostics.map((d) => `${d.severity} ${d.line}: ${d.message}`);
  return `${[...rules, ...diagnostics].join('\n')}\n`;
}

describe('parseUdevRules (golden files: testdata/<case>.in → .out)', () => {
  const cases = readdirSync(testdata).filter((f) => f.endsWith('.in'));

  it.each(cases)('%s parses to its .out file', (name) => {
    const actual = render(parseUdevRules(readFileSync(join(testdata, name), 'utf8')));
    const golden = join(testdata, name.replace(/\.in$/, '.out'));
    if (updateGolden()) writeFileSync(golden, actual);
    expect(actual).toBe(readFileSync(golden, 'utf8'));
  });
});

describe('parseUdevRules', () => {
  it('reports the first physical line of a continued rule', () => {
    const file = parseUdevRules('\n\nKERNEL=="x", \\\n  BOGUS="1"\n');
    expect(file.diagnostics).toEqual([
      { line: 3, severity: 'error', message: "invalid key 'BOGUS'; the rule is ignored" },
    ]);
  });

  it('accepts CRLF line ends', () => {
    const file = parseUdevRules('KERNEL=="x", MODE="0600"\r\nKERNEL=="y", MODE="0600"\r\n');
    expect(file.diagnostics).toEqual([]);
    expect(file.rules.map((r) => r.line)).toEqual([1, 2]);
  });

  it('refuses a line of 16384 characters or more', () => {
    const file = parseUdevRules(`KERNEL=="${'x'.repeat(16400)}", MODE="0600"\n`);
    expect(file.diagnostics[0]?.message).toContain('longer than');
    expect(file.rules).toEqual([]);
  });

  it('has no rules and no problems for an empty file', () => {
    expect(parseUdevRules('')).toEqual({ rules: [], diagnostics: [] });
  });
});

describe('cUnescape', () => {
  it('applies C escapes and refuses unknown ones', () => {
    expect(cUnescape('a\\tb\\x41\\101\\u00e9\\\\')).toBe('a\tbAAé\\');
    expect(cUnescape('\\q')).toEqual({ error: "unknown escape '\\q'" });
    expect(cUnescape('\\x4')).toEqual({ error: "bad escape '\\x4'" });
  });
});

describe('checkSubstitutions', () => {
  it.each([
    ['/dev/%k', undefined],
    ['$kernel-$number', undefined],
    ['$attr{serial}', undefined],
    ['%c{2+}', undefined],
    ['100%%', undefined],
    ['$$HOME', undefined],
    ['$attr', 'attribute value missing'],
    ['%q', 'invalid substitution type'],
    ['$HOME', 'invalid substitution type'],
    ['%c{x}', 'not a valid number'],
  ])('%j → %s', (value, hint) => {
    expect(checkSubstitutions(value)?.hint.replace(/ \(.*\)$/, '')).toEqual(
      hint === undefined ? undefined : expect.stringContaining(hint),
    );
  });
});
