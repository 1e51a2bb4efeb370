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
import type { Logger } from '@talos-kmod/common';
import { createActionsLogger } from './logger';
import { writeOutputs } from './outputs';
import { runAction } from './run';
import { writeSummary } from './summary';

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

/** What an action adds around its step: the job summary, and lines to log after the outputs. */
export interface StepActionReport<Result> {
  /** The job summary of a run that succeeded. */
  readonly summary: (result: Result) => string;
  /** The job summary of a run that failed (then the error fails the step as usual). */
  readonly failure?: (e: unknown) => string;
  /** Lines to log after the outputs (notes, the next command to run). */
  readonly notes?: (result: Result) => readonly string[];
}

/**
 * An action's whole body: read the contract's inputs, run the step, write its outputs, log its
 * notes and write the job summary; a failure writes the failure summary and fails the step.
 */
export function runStepAction<I extends InputSpecs, Options, Result>(
  contract: StepContract<I, Options, Result>,
  step: (options: Options, logger: Logger) => Promise<Result>,
  report: StepActionReport<Result>,
): Promise<void> {
  return runAction(async () => {
    const { options } = readStepInputs(contract);
    const logger = createActionsLogger();
    try {
      const result = await step(options, logger);
      writeStepOutputs(contract, result);
      for (const note of report.notes?.(result) ?? []) logger.info(note);
      await writeSummary(report.summary(result));
    } catch (e: unknown) {
      if (report.failure) await writeSummary(report.failure(e));
      throw e;
    }
  });
}
