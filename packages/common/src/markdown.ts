/**
 * Escaping of untrusted strings (module names, signer names, paths, messages that quote them) for
 * GitHub-flavoured markdown: job summaries and pull request comments. A string from an image must
 * render as the very text it is, on one line, and never as markup: no heading or list from a
 * newline, no HTML (`<img>`, `<!--`), no link, no table cell break, no `@mention` (GitHub links
 * mentions in rendered text, so a backslash does not stop one), no autolinked URL, no math.
 *
 * Control characters become visible escapes (`\n`, `\u001b`), as do the Unicode line and
 * paragraph separators and the bidirectional overrides that reorder what a reader sees.
 */

const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Characters that are invisible or move text: C0, DEL, C1, U+2028/2029, bidi controls. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const invisible = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `s` with every invisible or line-breaking character written as a visible escape. */
export function visibleControls(s: string): string {
  return s.replace(
    invisible,
    (c) => named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Characters with an inline meaning in GFM (code, emphasis, links, tables, strikethrough, math). */
const inline = /[\\`*_[\]|~$]/g;

/** A start that would open a block (heading, quote, list, thematic break) inside a list item. */
const blockStart = /^(\s*)([#>+\-=]|\d+[.)])/;

/**
 * `s` as literal inline markdown text, safe inside a paragraph, list item, heading or table cell.
 * Renders as `s` itself, but control characters as visible escapes and a zero-width space after
 * `@`, `http:`/`https:`/`ftp:` and `www` (so no mention or autolink forms).
 */
export function markdownText(s: string): string {
  return visibleControls(s)
    .replace(inline, (c) => `\\${c}`)
    .replace(blockStart, (m: string) => `${m.slice(0, -1)}\\${m.slice(-1)}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '@&#8203;')
    .replace(/\b(https?|ftp)(:\/\/)/gi, '$1&#8203;$2')
    .replace(/\b(www)\./gi, '$1&#8203;.');
}

/** Options for {@link markdownCode}. */
export interface MarkdownCodeOptions {
  /**
   * The span sits in a table cell: `|` is escaped, as GFM splits rows before it parses code spans
   * (and drops the backslash there). Outside a table a backslash would show, so leave it off.
   */
  readonly inTable?: boolean;
}

/**
 * `s` as a code span: the fence is one backtick longer than the longest backtick run inside, and
 * control characters are visible escapes. Empty input gives ''.
 */
export function markdownCode(s: string, options: MarkdownCodeOptions = {}): string {
  if (s === '') return '';
  const shown = visibleControls(s);
  const text = options.inTable ? shown.replace(/\|/g, '\\|') : shown;
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || /^ .* $/.test(text) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * A fenced code block holding `lines` verbatim: the fence is longer than any backtick run in them,
 * so no line can close it early; control characters but tabs are visible escapes.
 */
export function markdownFence(lines: readonly string[], info = ''): string[] {
  const shown = lines.map((l) =>
    l
      .split('\t')
      .map((part) => visibleControls(part))
      .join('\t'),
  );
  const longest = Math.max(0, ...shown.flatMap((l) => (l.match(/`+/g) ?? []).map((r) => r.length)));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}${info}`, ...shown, fence];
}
