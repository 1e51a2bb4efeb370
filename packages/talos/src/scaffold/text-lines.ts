/**
 * Files edited as lists of lines, so an edit touches only the lines it inserts or replaces: the
 * line ending (`\n` or `\r\n`) and the presence of a final newline are kept as the file had them.
 */

/** A text file split into lines. */
export interface TextLines {
  readonly lines: string[];
  readonly eol: '\n' | '\r\n';
  /** True when the text ends with a line ending (or is empty). */
  readonly finalNewline: boolean;
}

/** Splits `text` into lines without their endings. */
export function toLines(text: string): TextLines {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const finalNewline = text === '' || /\r?\n$/.test(text);
  if (finalNewline) lines.pop();
  return { lines, eol, finalNewline };
}

/** Joins lines back into text with the original ending style. */
export function fromLines(t: TextLines): string {
  if (t.lines.length === 0) return '';
  return t.lines.join(t.eol) + (t.finalNewline ? t.eol : '');
}

/** Inserts `newLines` after the 1-based line `after` (0 inserts at the top). */
export function insertAfter(t: TextLines, after: number, newLines: readonly string[]): void {
  t.lines.splice(after, 0, ...newLines);
}
