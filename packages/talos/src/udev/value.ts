/**
 * Rule values: `"…"` with optional prefixes `e` (C escapes) and `i` (case-insensitive match), as
 * systemd's `udev_rule_parse_value` reads them. Without `e`, only `\"` is an escape.
 */

/** A parsed value and where the rest of the line starts. */
export interface ParsedValue {
  readonly value: string;
  readonly end: number;
  readonly escaped: boolean;
  readonly caseInsensitive: boolean;
}

const simpleEscapes: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
  s: ' ',
};

/** Applies C escapes like systemd's `cunescape`; returns an error message for a bad escape. */
export function cUnescape(text: string): string | { error: string } {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = text.charAt(i + 1);
    if (n in simpleEscapes) {
      out += simpleEscapes[n];
      i++;
      continue;
    }
    const hex = n === 'x' ? 2 : n === 'u' ? 4 : n === 'U' ? 8 : 0;
    if (hex > 0) {
      const digits = text.slice(i + 2, i + 2 + hex);
      if (digits.length !== hex || !/^[0-9a-fA-F]+$/.test(digits)) {
        return { error: `bad escape '\\${n}${digits}'` };
      }
      const code = parseInt(digits, 16);
      if (code === 0 || code > 0x10ffff)
        return { error: `escape '\\${n}${digits}' is out of range` };
      out += String.fromCodePoint(code);
      i += 1 + hex;
      continue;
    }
    const octal = text.slice(i + 1, i + 4);
    if (/^[0-3][0-7][0-7]$/.test(octal)) {
      const code = parseInt(octal, 8);
      if (code === 0) return { error: "escape '\\000' is not allowed" };
      out += String.fromCharCode(code);
      i += 3;
      continue;
    }
    return { error: n === '' ? 'a value ends with a lone backslash' : `unknown escape '\\${n}'` };
  }
  return out;
}

/**
 * Parses the value starting at `start` in `line`. Returns an error message when the value is not
 * double-quoted, has a bad prefix, is unterminated or has a bad escape.
 */
export function parseValue(line: string, start: number): ParsedValue | { error: string } {
  let i = start;
  let escaped = false;
  let caseInsensitive = false;
  for (; i < start + 2 && line.charAt(i) !== '"'; i++) {
    const c = line.charAt(i);
    if (c === 'e' && !escaped) escaped = true;
    else if (c === 'i' && !caseInsensitive) caseInsensitive = true;
    else
      return {
        error:
          c === ''
            ? 'a key has no value'
            : 'the value must be in double quotes ("…"), optionally prefixed with e or i',
      };
  }
  if (line.charAt(i) !== '"') return { error: 'the value must be in double quotes ("…")' };
  i++;
  let raw = '';
  for (;;) {
    const c = line.charAt(i);
    if (c === '') return { error: 'the value has no closing double quote' };
    if (c === '"') break;
    if (c === '\\') {
      const next = line.charAt(i + 1);
      if (escaped) {
        if (next === '') return { error: 'the value has no closing double quote' };
        raw += c + next;
        i += 2;
        continue;
      }
      if (next === '"') {
        raw += '"';
        i += 2;
        continue;
      }
    }
    raw += c;
    i++;
  }
  let value = raw;
  if (escaped) {
    const u = cUnescape(raw);
    if (typeof u !== 'string') return u;
    value = u;
  }
  return { value, end: i + 1, escaped, caseInsensitive };
}
