/**
 * A parser for udev rules files with systemd-udevd's reading of them (udev(7); systemd
 * src/udev/udev-rules.c): `#` comment lines (also inside continuations), a trailing `\` joins the
 * next line, a rule is a comma-separated list of `KEY[{attr}]op"value"`, operators
 * `== != = += -= :=`. Each problem carries its line number.
 */
import { checkToken } from './keys';
import type { UdevDiagnostic, UdevOperator, UdevRule, UdevRulesFile, UdevToken } from './types';
import { parseValue } from './value';

/** udevd's limit for one logical line (UDEV_LINE_SIZE). */
const maxLineLength = 16384;

const whitespace = ' \t\n\r';
const operators: readonly UdevOperator[] = ['==', '!=', '+=', '-=', '=', ':='];

interface LogicalLine {
  readonly text: string;
  readonly line: number;
}

/** Joins continuations and drops comments and blank lines; reports overlong and dangling lines. */
function logicalLines(text: string, diagnostics: UdevDiagnostic[]): LogicalLine[] {
  const physical = text.split(/\r\n|\n|\r/);
  if (physical.at(-1) === '') physical.pop();
  const out: LogicalLine[] = [];
  let continuation: { text: string; line: number } | undefined;
  let tooLong = false;
  physical.forEach((raw, index) => {
    const lineNo = index + 1;
    let line = raw.replace(/^[ \t\n\r]+/, '');
    if (line.startsWith('#')) return;
    if (continuation) {
      if (continuation.text.length + line.length >= maxLineLength) tooLong = true;
      line = continuation.text + line;
    }
    const start = continuation?.line ?? lineNo;
    if (line.endsWith('\\')) {
      continuation = { text: line.slice(0, -1), line: start };
      return;
    }
    if (tooLong || line.length >= maxLineLength) {
      diagnostics.push({
        line: start,
        severity: 'error',
        message: `line is longer than ${maxLineLength - 1} characters and is ignored: split the rule`,
      });
    } else if (line.length > 0) {
      out.push({ text: line, line: start });
    }
    continuation = undefined;
    tooLong = false;
  });
  if (continuation) {
    diagnostics.push({
      line: continuation.line,
      severity: 'error',
      message:
        'the file ends after a line continuation (a trailing \\), so the rule is ignored: remove the backslash or finish the rule',
    });
  }
  return out;
}

function skip(text: string, i: number, chars: string): number {
  while (i < text.length && chars.includes(text.charAt(i))) i++;
  return i;
}

/** Splits a logical line into tokens; returns an error message at the first malformed pair. */
function tokenize(text: string): UdevToken[] | { error: string } {
  const tokens: UdevToken[] = [];
  let i = 0;
  for (;;) {
    i = skip(text, i, `${whitespace},`);
    if (i >= text.length) return tokens;
    const keyStart = i;
    for (; ; i++) {
      if (i >= text.length) return { error: `'${text.slice(keyStart)}' has no operator and value` };
      const c = text.charAt(i);
      if (`${whitespace}={`.includes(c)) break;
      if ('+-!:'.includes(c) && text.charAt(i + 1) === '=') break;
    }
    const key = text.slice(keyStart, i);
    let attr: string | undefined;
    if (text.charAt(i) === '{') {
      const close = text.indexOf('}', i + 1);
      if (close < 0) return { error: `'${key}{' has no closing '}'` };
      attr = text.slice(i + 1, close);
      i = close + 1;
    }
    i = skip(text, i, whitespace);
    const op = operators.find((o) => text.startsWith(o, i));
    if (!op) {
      return {
        error: `'${key}${attr !== undefined ? `{${attr}}` : ''}' is not followed by an operator (== != = += -= :=)`,
      };
    }
    i = skip(text, i + op.length, whitespace);
    const value = parseValue(text, i);
    if ('error' in value)
      return { error: `${key}${attr !== undefined ? `{${attr}}` : ''}${op}: ${value.error}` };
    tokens.push({
      key,
      ...(attr !== undefined ? { attr } : {}),
      op,
      value: value.value,
      caseInsensitive: value.caseInsensitive,
      escaped: value.escaped,
    });
    i = value.end;
  }
}

/** Parses a rules file's text. Never throws; problems are in `diagnostics`, sorted by line. */
export function parseUdevRules(text: string): UdevRulesFile {
  const diagnostics: UdevDiagnostic[] = [];
  const rules: (UdevRule & { goto?: string; label?: string })[] = [];
  for (const { text: line, line: lineNo } of logicalLines(text, diagnostics)) {
    const tokens = tokenize(line);
    if ('error' in tokens) {
      diagnostics.push({
        line: lineNo,
        severity: 'error',
        message: `invalid key/value pair, the rule is ignored: ${tokens.error}`,
      });
      continue;
    }
    let failed = false;
    let effective = false;
    let goto: string | undefined;
    let label: string | undefined;
    for (const token of tokens) {
      const check = checkToken(token);
      for (const w of check.warnings)
        diagnostics.push({ line: lineNo, severity: 'warning', message: w });
      for (const e of check.errors)
        diagnostics.push({ line: lineNo, severity: 'error', message: `${e}; the rule is ignored` });
      if (check.errors.length > 0) failed = true;
      if (check.effect === 'assign') effective = true;
      if (check.effect === 'goto') {
        if (goto !== undefined)
          diagnostics.push({
            line: lineNo,
            severity: 'warning',
            message: `more than one GOTO; GOTO="${token.value}" is ignored`,
          });
        else goto = token.value;
      }
      if (check.effect === 'label') label = token.value;
    }
    if (failed) continue;
    if (!effective && goto === undefined && label === undefined) {
      diagnostics.push({
        line: lineNo,
        severity: 'warning',
        message:
          'the rule only matches and assigns nothing, so it has no effect: add an assignment (MODE=, GROUP=, TAG+=, RUN+=, …)',
      });
      continue;
    }
    rules.push({
      line: lineNo,
      tokens,
      ...(goto !== undefined ? { goto } : {}),
      ...(label !== undefined ? { label } : {}),
    });
  }
  rules.forEach((rule, index) => {
    if (rule.goto === undefined) return;
    if (!rules.slice(index + 1).some((r) => r.label === rule.goto)) {
      diagnostics.push({
        line: rule.line,
        severity: 'error',
        message: `GOTO="${rule.goto}" has no matching LABEL after it in this file, so the jump is ignored: add LABEL="${rule.goto}" below or fix the name`,
      });
    }
  });
  diagnostics.sort((a, b) => a.line - b.line);
  return { rules: rules.map(({ line, tokens }) => ({ line, tokens })), diagnostics };
}
