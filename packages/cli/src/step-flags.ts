/**
 * A step contract on the command line: one flag per input (`--platform` for `platforms`, repeatable
 * for lists; `--no-push` for a boolean that defaults to true; `--registry-password-stdin` for a
 * secret), read back into the same values the action reads, and the step's errors worded with
 * these flag names.
 */
import type { Command } from 'commander';
import { isFieldError, type FieldNamer } from '@talos-kmod/common';
import {
  applyContract,
  inputsFor,
  namespaceOrOwner,
  type InputSpec,
  type InputSpecs,
  type InputValues,
  type RawInputs,
  type StepContract,
} from '@talos-kmod/pipeline/contracts';
import { listFlag, readStdinSecret, repeatFlag, UsageError } from './flags';
import { jsonText } from './io';

/** The flag (without `--`) that carries input `name` of `inputs`. */
export function flagOf(inputs: InputSpecs, name: string): string {
  const spec = inputs[name];
  const flag = spec?.flag ?? name;
  return spec?.kind === 'secret' ? `${flag}-stdin` : flag;
}

/** commander's attribute for a long flag: `--make-arg` → `makeArg`, `--no-push` → `push`. */
function attributeOf(flag: string): string {
  return flag.replace(/^no-/, '').replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** The contract's positional inputs (the command's arguments), in order. */
export function positionalInputs(inputs: InputSpecs): [name: string, spec: InputSpec][] {
  return inputsFor(inputs, 'cli').filter(([, s]) => s.positional);
}

/**
 * Adds the command's arguments (positional inputs) and one flag per other CLI input of
 * `contract`, in contract order.
 */
export function addStepFlags<I extends InputSpecs>(
  command: Command,
  contract: StepContract<I, unknown, unknown>,
): Command {
  for (const [name, spec] of positionalInputs(contract.inputs)) {
    command.argument(spec.required ? `<${name}>` : `[${name}]`, spec.help);
  }
  return addInputFlags(command, contract.inputs);
}

/** Adds one flag per CLI input of `inputs` that is not positional, in their order. */
export function addInputFlags(command: Command, inputs: InputSpecs): Command {
  for (const [name, spec] of inputsFor(inputs, 'cli')) {
    if (spec.positional) continue;
    const flag = flagOf(inputs, name);
    const value = spec.placeholder ?? '<value>';
    switch (spec.kind) {
      case 'boolean':
        command.option(spec.default === 'true' ? `--no-${flag}` : `--${flag}`, spec.help);
        break;
      case 'secret':
        command.option(`--${flag}`, spec.help);
        break;
      case 'list':
        command.option(`--${flag} ${value}`, spec.help, listFlag, []);
        break;
      case 'lines':
      case 'words':
        command.option(`--${flag} ${value}`, spec.help, repeatFlag, []);
        break;
      default:
        if (spec.default) command.option(`--${flag} ${value}`, spec.help, spec.default);
        else command.option(`--${flag} ${value}`, spec.help);
    }
  }
  return command;
}

/**
 * Spells a contract's fields as this command's flags (`platforms` → `--platform`) and its
 * arguments in upper case (`image` → `IMAGE`).
 */
export function flagNamer(inputs: InputSpecs): FieldNamer {
  return (field) =>
    inputs[field]?.positional ? field.toUpperCase() : `--${flagOf(inputs, field)}`;
}

/** A step's {@link FieldError} worded with the command's flags, as a usage error (exit 2). */
export function asFlagError(e: unknown, inputs: InputSpecs = {}): unknown {
  if (!isFieldError(e)) return e;
  return new UsageError(e.wordFor(flagNamer(inputs)), { cause: e, details: e.details });
}

/**
 * The values and step options from the parsed flags and the command's arguments (`args`, in
 * the order of the positional inputs); a secret is read from standard input when its
 * `--…-stdin` flag is given. Errors name the flags.
 */
export async function readStepFlags<I extends InputSpecs, Options, Result>(
  contract: StepContract<I, Options, Result>,
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
  stdin: NodeJS.ReadableStream = process.stdin,
  args: readonly string[] = [],
): Promise<{ values: InputValues<I>; options: Options }> {
  const raw: Record<string, RawInputs[string]> = {};
  positionalInputs(contract.inputs).forEach(([name], i) => (raw[name] = args[i]));
  for (const [name, spec] of inputsFor(contract.inputs, 'cli')) {
    if (spec.positional) continue;
    const flag = flagOf(contract.inputs, name);
    const given = flags[attributeOf(flag)];
    if (spec.kind === 'secret') {
      if (given !== true) continue;
      const secret = await readStdinSecret(stdin);
      if (!secret)
        throw new UsageError(`--${flag} read an empty password or token from standard input`);
      raw[name] = secret;
    } else {
      raw[name] = given as RawInputs[string];
    }
  }
  try {
    return applyContract(contract, raw, 'cli', env);
  } catch (e: unknown) {
    throw asFlagError(e, contract.inputs);
  }
}

/** Prints a step's outputs: `name=value` lines, or one JSON object with `extra` merged in. */
export function printStepOutputs(
  stdout: NodeJS.WritableStream,
  outputs: Readonly<Record<string, string | undefined>>,
  json: { extra: Readonly<Record<string, unknown>> } | undefined,
): void {
  if (json) {
    stdout.write(`${jsonText({ ...outputs, ...json.extra })}\n`);
    return;
  }
  for (const [k, v] of Object.entries(outputs)) if (v !== undefined) stdout.write(`${k}=${v}\n`);
}

/** The registry namespace: `--username`, else `$GITHUB_REPOSITORY_OWNER`, lower-cased. */
export function ownerOf(
  username: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  try {
    return namespaceOrOwner(username, env);
  } catch (e: unknown) {
    throw asFlagError(e);
  }
}
