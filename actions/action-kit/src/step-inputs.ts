/**
 * A step contract on the runner: each input is read as the runner passes it (`INPUT_<NAME>`),
 * by its kind, then resolved and mapped to the step's options by the contract itself; the
 * result is written through the contract's output mapper.
 */
import * as core from '@actions/core';
import {
  applyContract,
  inputsFor,
  type InputSpecs,
  type InputValues,
  type RawInputs,
  type StepContract,
} from '@talos-kmod/pipeline/contracts';
import { writeOutputs } from './outputs';

function readRaw(name: string, kind: string): RawInputs[string] {
  const value = core.getInput(name, { required: false, trimWhitespace: true });
  if (kind === 'secret' && value !== '') core.setSecret(value);
  return value;
}

/** Reads every action input of `contract`; a bad value fails here, naming the input. */
export function readStepInputs<I extends InputSpecs, Options, Result>(
  contract: StepContract<I, Options, Result>,
): { values: InputValues<I>; options: Options } {
  const raw: Record<string, RawInputs[string]> = {};
  for (const [name, spec] of inputsFor(contract.inputs, 'action'))
    raw[name] = readRaw(name, spec.kind);
  return applyContract(contract, raw, 'action', process.env);
}

/** Writes the step's outputs through the contract's mapper. */
export function writeStepOutputs<I extends InputSpecs, Options, Result>(
  contract: StepContract<I, Options, Result>,
  result: Result,
): void {
  writeOutputs(contract.toOutputs(result));
}
