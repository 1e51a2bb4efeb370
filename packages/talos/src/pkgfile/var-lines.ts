/**
 * The flat `KEY: value` mappings bldr reads as variables: the `vars:` section of a `Pkgfile` and
 * whole `vars.yaml` files. Read as text, line by line, so editors can keep every other byte and
 * readers can report line numbers; values are unquoted the way YAML reads these simple scalars.
 */
import { isRenovateComment, parseRenovateComment, type RenovateAnnotation } from './renovate';

/** One `KEY: value` line. */
export interface VarLine {
  readonly name: string;
  /** The value as YAML reads it (quotes removed, escapes in double quotes resolved). */
  readonly value: string;
  /** The value as written, without a trailing comment. */
  readonly rawValue: string;
  /** The quote character used, or '' for a plain scalar. */
  readonly quote: '"' | "'" | '';
  /** Trailing comment text after `#`, trimmed (e.g. `update this when updating PKGS …`). */
  readonly comment?: string;
  /** 1-based line number. */
  readonly line: number;
  /** Leading whitespace of the line. */
  readonly indent: string;
  /** True when the value holds a Go template action (`{{ … }}`). */
  readonly templated: boolean;
  /** The Renovate annotation of the block this variable belongs to, if any. */
  readonly renovate?: RenovateAnnotation;
}

/**
 * Consecutive variable lines: a block starts at a `# renovate:` comment or after a blank line and
 * ends at a blank line, the next `# renovate:` comment, or the end of the section. Plain comments
 * inside a block do not end it (extensions' `container-runtime/vars.yaml` has such comments).
 */
export interface VarBlock {
  readonly renovate?: RenovateAnnotation;
  readonly vars: readonly VarLine[];
  /** 1-based line of the block's first line (its Renovate comment when it has one). */
  readonly firstLine: number;
  /** 1-based line of the block's last variable or comment line. */
  readonly lastLine: number;
}

/** The variables of one section with their blocks. */
export interface VarSection {
  readonly vars: readonly VarLine[];
  readonly blocks: readonly VarBlock[];
}

const varPattern = /^(\s*)([A-Za-z_][A-Za-z0-9_.-]*)\s*:(?:\s+(.*?))?\s*$/;

/** Splits text into lines without their end-of-line characters. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Parses the value part of `KEY: value  # comment`. */
export function parseScalar(
  rest: string,
): Pick<VarLine, 'value' | 'rawValue' | 'quote' | 'comment'> {
  const trailing = (after: string): { comment?: string } => {
    const m = /^\s+#\s?(.*)$/.exec(after) ?? /^#\s?(.*)$/.exec(after.trim());
    return m ? { comment: (m[1] ?? '').trim() } : {};
  };
  if (rest.startsWith('"')) {
    let value = '';
    for (let i = 1; i < rest.length; i++) {
      const c = rest[i];
      if (c === '\\' && i + 1 < rest.length) {
        const n = rest[++i] ?? '';
        value += ({ n: '\n', t: '\t', '"': '"', '\\': '\\' } as Record<string, string>)[n] ?? n;
      } else if (c === '"') {
        return {
          value,
          rawValue: rest.slice(0, i + 1),
          quote: '"',
          ...trailing(rest.slice(i + 1)),
        };
      } else {
        value += c;
      }
    }
  } else if (rest.startsWith("'")) {
    let value = '';
    for (let i = 1; i < rest.length; i++) {
      if (rest[i] === "'" && rest[i + 1] === "'") {
        value += "'";
        i++;
      } else if (rest[i] === "'") {
        return {
          value,
          rawValue: rest.slice(0, i + 1),
          quote: "'",
          ...trailing(rest.slice(i + 1)),
        };
      } else {
        value += rest[i];
      }
    }
  }
  const hash = rest.search(/\s#/);
  const rawValue = (hash >= 0 ? rest.slice(0, hash) : rest).trimEnd();
  return {
    value: rawValue,
    rawValue,
    quote: '',
    ...(hash >= 0 ? trailing(rest.slice(hash)) : {}),
  };
}

/**
 * Reads `KEY: value` lines from `lines[start..end)` (0-based, end exclusive). `indent` is the
 * indentation a variable line must have (`'  '` inside a Pkgfile's `vars:`, `''` in vars.yaml);
 * deeper-indented lines are ignored.
 */
export function parseVarLines(
  lines: readonly string[],
  start: number,
  end: number,
  indent: string,
): VarSection {
  const vars: VarLine[] = [];
  const blocks: VarBlock[] = [];
  let current:
    { renovate?: RenovateAnnotation; vars: VarLine[]; first: number; last: number } | undefined;
  const close = () => {
    if (current && (current.vars.length > 0 || current.renovate)) {
      blocks.push({
        ...(current.renovate ? { renovate: current.renovate } : {}),
        vars: current.vars,
        firstLine: current.first,
        lastLine: current.last,
      });
    }
    current = undefined;
  };
  for (let i = start; i < end; i++) {
    const text = lines[i] ?? '';
    const lineNo = i + 1;
    if (text.trim() === '') {
      close();
      continue;
    }
    if (isRenovateComment(text)) {
      close();
      const renovate = parseRenovateComment(text, lineNo);
      current = { ...(renovate ? { renovate } : {}), vars: [], first: lineNo, last: lineNo };
      continue;
    }
    if (/^\s*#/.test(text)) {
      if (current) current.last = lineNo;
      continue;
    }
    const m = varPattern.exec(text);
    if (!m || (m[1] ?? '') !== indent) continue;
    current ??= { vars: [], first: lineNo, last: lineNo };
    const scalar = parseScalar(m[3] ?? '');
    const v: VarLine = {
      name: m[2] ?? '',
      ...scalar,
      line: lineNo,
      indent,
      templated: scalar.value.includes('{{'),
      ...(current.renovate ? { renovate: current.renovate } : {}),
    };
    current.vars.push(v);
    current.last = lineNo;
    vars.push(v);
  }
  close();
  return { vars, blocks };
}

/** The variables as a name → value record (later definitions win, as YAML maps do in bldr). */
export function varRecord(vars: readonly VarLine[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of vars) out[v.name] = v.value;
  return out;
}
