/**
 * A step's contract: the inputs it takes (with their defaults), the outputs it writes, how the
 * values become the step's options and how its result becomes outputs. The action and the CLI
 * are adapters over it: the action reads each input from the runner, the CLI registers one flag
 * per input, and both hand the values to the same `toOptions` and `toOutputs`. `action.yml`,
 * the README tables and the CLI flags are checked against it by a test.
 */
import { FieldError } from '@talos-kmod/common';

/** How an input's text becomes a value. */
export type InputKind =
  /** one value */
  | 'string'
  /** one value, masked in logs; the CLI reads it from standard input (`--<flag>-stdin`) */
  | 'secret'
  /** true or false; the CLI has `--x` (default false) or `--no-x` (default true) */
  | 'boolean'
  /** one of `choices` */
  | 'choice'
  /** items one per line or comma-separated; the CLI flag repeats and splits on commas */
  | 'list'
  /** items one per line, commas stay inside (kernel arguments); the CLI flag repeats */
  | 'lines'
  /** items separated by white space (`NAME=value` make variables); the CLI flag repeats */
  | 'words';

/** One input of a step. Its name (the key in the contract) is the action input's name. */
export interface InputSpec {
  readonly kind: InputKind;
  /** One line for the CLI's `--help`; action.yml carries the longer description. */
  readonly help: string;
  /** The value when none is given, spelled as in action.yml (lists: comma-separated). */
  readonly default?: string;
  /** What action.yml writes as the default when the runner computes it (an expression). */
  readonly actionDefault?: string;
  readonly required?: boolean;
  readonly choices?: readonly string[];
  /** The CLI flag when it differs from the input: singular for repeatable ones. */
  readonly flag?: string;
  /** The value's placeholder in `--help` (`<dir>`). */
  readonly placeholder?: string;
  /** An input only one front end has (the CLI's `--json`, the action's `github-token`). */
  readonly only?: 'action' | 'cli';
  /** The CLI takes it as the command's argument (`verify <image>`), not as a flag. */
  readonly positional?: true;
}

/** A contract's inputs by name. */
export type InputSpecs = Readonly<Record<string, InputSpec>>;

type ListKind = 'list' | 'lines' | 'words';

/** The value a resolved input has. */
export type InputValue<S extends InputSpec> = S['kind'] extends 'boolean'
  ? boolean
  : S['kind'] extends ListKind
    ? readonly string[]
    : S extends { default: '' }
      ? string | undefined
      : S extends { default: string }
        ? string
        : S extends { required: true }
          ? string
          : string | undefined;

/** Every input's resolved value. */
export type InputValues<I extends InputSpecs> = { readonly [K in keyof I]: InputValue<I[K]> };

/** What a front end read: text, items or a boolean; `undefined` (or '' / []) when not given. */
export type RawInputs = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

/** A step's contract; see the file comment. */
export interface StepContract<I extends InputSpecs, Options, Result> {
  /** The step (action folder and CLI command) name. */
  readonly step: string;
  /** The CLI command when its name is not the step's (`verify` for verify-image). */
  readonly command?: string;
  readonly inputs: I;
  /** The outputs' names, as in action.yml. */
  readonly outputs: readonly string[];
  /** The step's options from resolved values; `env` gives `GITHUB_REPOSITORY_OWNER`. */
  toOptions(values: InputValues<I>, env: Readonly<Record<string, string | undefined>>): Options;
  /** The outputs as text, keyed by output name; `undefined` is not written. */
  toOutputs(result: Result): Readonly<Record<string, string | undefined>>;
}

/** Declares a contract, keeping its literal input specs for typed values. */
export function defineContract<const I extends InputSpecs, Options, Result>(
  contract: StepContract<I, Options, Result>,
): StepContract<I, Options, Result> {
  return contract;
}

/** Splits a list input's text into items by its kind. */
export function splitItems(kind: InputKind, text: string): string[] {
  if (kind === 'words') return text.split(/\s+/).filter(Boolean);
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/(^|\s)#.*$/, ''))
    .flatMap((line) => (kind === 'lines' ? [line] : line.split(',')))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function isEmpty(raw: RawInputs[string]): boolean {
  return raw === undefined || raw === '' || (Array.isArray(raw) && raw.length === 0);
}

function resolveOne(name: string, spec: InputSpec, given: RawInputs[string]): unknown {
  const raw = isEmpty(given) ? spec.default : given;
  if (spec.kind === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    if (raw === undefined || raw === '') return false;
    if (['true', 'True', 'TRUE'].includes(String(raw))) return true;
    if (['false', 'False', 'FALSE'].includes(String(raw))) return false;
    throw new FieldError(
      name,
      (n) => `${n(name)} is '${String(raw)}', not a boolean: use true or false`,
    );
  }
  if (spec.kind === 'list' || spec.kind === 'lines' || spec.kind === 'words') {
    const items =
      typeof raw === 'string' ? splitItems(spec.kind, raw) : [...((raw as string[]) ?? [])];
    if (spec.required && items.length === 0) {
      throw new FieldError(name, (n) => `${n(name)} needs at least one item`);
    }
    return items;
  }
  const text = raw === undefined || raw === '' ? undefined : String(raw);
  if (text === undefined) {
    if (spec.required) throw new FieldError(name, (n) => `${n(name)} is required: set it`);
    return undefined;
  }
  if (spec.kind === 'choice' && spec.choices && !spec.choices.includes(text)) {
    throw new FieldError(
      name,
      (n) => `${n(name)} is '${text}': use one of ${spec.choices?.join(', ')}`,
    );
  }
  return text;
}

/**
 * Applies defaults and checks required inputs, booleans and choices; `only` names the front end
 * that read `raw` (inputs of the other one are left out).
 */
export function resolveInputs<I extends InputSpecs>(
  inputs: I,
  raw: RawInputs,
  frontEnd: 'action' | 'cli',
): InputValues<I> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(inputs)) {
    if (spec.only !== undefined && spec.only !== frontEnd) continue;
    out[name] = resolveOne(name, spec, raw[name]);
  }
  return out as InputValues<I>;
}

/** The inputs a front end has, in contract order. */
export function inputsFor(
  inputs: InputSpecs,
  frontEnd: 'action' | 'cli',
): [name: string, spec: InputSpec][] {
  return Object.entries(inputs).filter(([, s]) => s.only === undefined || s.only === frontEnd);
}

/** What a front end read, resolved (defaults, checks) and turned into the step's options. */
export function applyContract<I extends InputSpecs, Options, Result>(
  contract: StepContract<I, Options, Result>,
  raw: RawInputs,
  frontEnd: 'action' | 'cli',
  env: Readonly<Record<string, string | undefined>>,
): { values: InputValues<I>; options: Options } {
  const values = resolveInputs(contract.inputs, raw, frontEnd);
  return { values, options: contract.toOptions(values, env) };
}
