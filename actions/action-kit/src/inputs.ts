/**
 * Reading action inputs one by one, for an action without a step contract (verify-image): every
 * reader validates up front and throws a `UserError` naming the input and the value. Input names
 * are literal strings at the call sites, so the contract test can compare them with `action.yml`.
 */
import * as core from '@actions/core';
import { UserError } from '@talos-kmod/common';

/** Options shared by the readers. */
export interface InputOptions {
  required?: boolean;
}

function raw(name: string, options: InputOptions = {}): string {
  const value = core.getInput(name, { required: false, trimWhitespace: true });
  if (options.required && value === '') {
    throw new UserError(`input '${name}' is required: set it in the step's 'with:' block`);
  }
  return value;
}

/** A string input; `undefined` when empty and not required. */
export function readString(name: string, options: InputOptions = {}): string | undefined {
  const value = raw(name, options);
  return value === '' ? undefined : value;
}

/** A required string input. */
export function readRequired(name: string): string {
  return raw(name, { required: true });
}

/** A secret input: masked in the log as soon as it is read. */
export function readSecret(name: string): string | undefined {
  const value = raw(name);
  if (value !== '') core.setSecret(value);
  return value === '' ? undefined : value;
}

/** A boolean input; accepts the YAML 1.2 core schema spellings, as `core.getBooleanInput` does. */
export function readBoolean(name: string, fallback: boolean): boolean {
  const value = raw(name);
  if (value === '') return fallback;
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new UserError(`input '${name}' is '${value}', not a boolean: use true or false`);
}

/**
 * A list input: one item per line or comma-separated; blank lines and `#` comments are dropped
 * (the format docker/build-push-action accepts). `lines: true` splits on new lines only, for
 * items that may hold commas (kernel arguments such as `console=ttyS0,115200n8`).
 */
export function readList(name: string, options: InputOptions & { lines?: boolean } = {}): string[] {
  const value = raw(name, options);
  const items = value
    .split(/\r?\n/)
    .map((line) => line.replace(/(^|\s)#.*$/, ''))
    .flatMap((line) => (options.lines ? [line] : line.split(',')))
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (options.required && items.length === 0) {
    throw new UserError(
      `input '${name}' needs at least one item (${options.lines ? 'one per line' : 'one per line or comma-separated'})`,
    );
  }
  return items;
}

/** An input restricted to a set of values. */
export function readChoice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
  const value = raw(name);
  if (value === '') return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UserError(`input '${name}' is '${value}': use one of ${choices.join(', ')}`);
  }
  return value as T;
}
