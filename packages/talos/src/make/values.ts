/**
 * Values that go onto a make command line. make passes them into recipe lines that a shell runs
 * (`--tag=$(REGISTRY)/$(USERNAME)/$@:$(TAG)`, `--build-arg=PKGS="$(PKGS)"`), so a space, `$`, `;`,
 * a quote or a backtick would change the command. Only a conservative set of characters passes.
 */
import { UserError } from '@talos-kmod/common';
import type { Reference } from '@talos-kmod/oci';

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

declare const makeValueBrand: unique symbol;

/**
 * A string that is safe on a make command line (no character of it is one make or the shell would
 * interpret). The argv builders take only these: a value is checked once, where it enters (the
 * step's option validation, which names the input; {@link makeValue} for values a step derives).
 */
export type MakeValue = string & { readonly [makeValueBrand]: true };

/** True when `value` may go onto a make command line as it is. */
export function isMakeValue(value: string): value is MakeValue {
  return findUnsafeCharacter(value) === undefined;
}

/**
 * `value` as a {@link MakeValue}, or a {@link UserError} naming it with `what`
 * (`make-args entry 'PROGRESS'`, `the metadata directory`, `the tag git describe printed`).
 */
export function makeValue(what: string, value: string): MakeValue {
  if (isMakeValue(value)) return value;
  throw new UserError(`${what} ${unsafeMakeValueProblem(value) ?? ''}`);
}

/**
 * A parsed reference as a {@link MakeValue}: the reference grammar admits only make-safe
 * characters, except the brackets of an IPv6 registry host, which are refused here.
 */
export function referenceMakeValue(ref: Reference): MakeValue {
  return makeValue(`the image reference ${ref.toString()}`, ref.toString());
}
