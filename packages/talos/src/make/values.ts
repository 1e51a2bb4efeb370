/**
 * Values that go onto a make command line. make passes them into recipe lines that a shell runs
 * (`--tag=$(REGISTRY)/$(USERNAME)/$@:$(TAG)`, `--build-arg=PKGS="$(PKGS)"`), so a space, `$`, `;`,
 * a quote or a backtick would change the command. Only a conservative set of characters passes.
 */
import { UserError } from '@talos-kmod/common';

const allowed = /^[A-Za-z0-9._:/@+=,%~-]*$/;

const names: Record<string, string> = {
  ' ': 'a space',
  '\t': 'a tab',
  '\n': 'a newline',
  '\r': 'a carriage return',
  $: "'$'",
  ';': "';'",
  '`': 'a backtick',
  '"': 'a double quote',
  "'": 'a single quote',
  '\\': 'a backslash',
  '|': "'|'",
  '&': "'&'",
  '<': "'<'",
  '>': "'>'",
  '(': "'('",
  ')': "')'",
  '#': "'#'",
  '*': "'*'",
  '?': "'?'",
  '!': "'!'",
  '{': "'{'",
  '}': "'}'",
  '[': "'['",
  ']': "']'",
};

/** The first character of `value` that may not appear on a make command line, if any. */
export function findUnsafeCharacter(value: string): string | undefined {
  if (allowed.test(value)) return undefined;
  for (const c of value) if (!allowed.test(c)) return c;
  return undefined;
}

/**
 * What is wrong with `value` on a make command line, worded to follow its name
 * (`is "a b", which contains a space: …`), or undefined when it is safe.
 */
export function unsafeMakeValueProblem(value: string): string | undefined {
  const c = findUnsafeCharacter(value);
  if (c === undefined) return undefined;
  const shown = JSON.stringify(value);
  const desc = names[c] ?? `'${c}' (U+${c.codePointAt(0)?.toString(16).padStart(4, '0')})`;
  return (
    `is ${shown}, which contains ${desc}: make passes values into shell command lines, ` +
    'so only letters, digits and . _ : / @ + = , % ~ - are accepted. Remove the character ' +
    '(one value per item; lists are separated by commas or new lines).'
  );
}

/**
 * Throws a {@link UserError} when `value` holds a character that would change the make command
 * line; `what` names the value (`make-args entry 'PROGRESS=…'`, `the metadata directory`).
 */
export function assertMakeValue(what: string, value: string): void {
  const problem = unsafeMakeValueProblem(value);
  if (problem !== undefined) throw new UserError(`${what} ${problem}`);
}
