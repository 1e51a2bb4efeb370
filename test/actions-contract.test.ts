/**
 * A step's contract (`stepContracts` in the pipeline) is the one definition of its inputs,
 * defaults and outputs; `action.yml` and the CLI command must agree with it. For an action with a
 * contract: action.yml declares exactly the contract's action inputs with the same defaults and
 * `required`, and exactly its outputs; the CLI command of the same name (or the contract's
 * `command`) has the contract's positional inputs as its arguments and exactly one flag per other
 * CLI input. For an action without one, the code reads exactly the inputs action.yml declares
 * (literal names at the readers) and writes exactly its outputs. Every input and output has a
 * description; inputs are required or have a default; the bundle runs on node24.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { parse } from 'yaml';
import { createProgram } from '@talos-kmod/cli';
import {
  inputsFor,
  stepContracts,
  type InputSpecs,
  type StepContract,
} from '@talos-kmod/pipeline/contracts';
import { repoRoot } from './support/action';

interface ActionYaml {
  name?: string;
  description?: string;
  inputs?: Record<string, { description?: string; required?: boolean; default?: unknown }>;
  outputs?: Record<string, { description?: string }>;
  runs?: { using?: string; main?: string };
  branding?: { icon?: string; color?: string };
}

const readers = new Set([
  'readString',
  'readRequired',
  'readSecret',
  'readBoolean',
  'readList',
  'readChoice',
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? sourceFiles(join(dir, d.name))
      : d.name.endsWith('.ts')
        ? [join(dir, d.name)]
        : [],
  );
}

/** Input names passed as literals to the readers, and keys of `writeOutputs({...})` literals. */
function usedNames(files: string[]): { inputs: Set<string>; outputs: Set<string> } {
  const inputs = new Set<string>();
  const outputs = new Set<string>();
  for (const file of files) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
        const callee = node.expression.text;
        const first = node.arguments[0];
        if (readers.has(callee) && first && ts.isStringLiteralLike(first)) inputs.add(first.text);
        if (callee === 'writeOutputs' && first && ts.isObjectLiteralExpression(first)) {
          for (const p of first.properties) {
            if (p.name && (ts.isStringLiteral(p.name) || ts.isIdentifier(p.name))) {
              outputs.add(p.name.text);
            }
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { inputs, outputs };
}

const actionsDir = join(repoRoot, 'actions');
const actions = readdirSync(actionsDir).filter((n) =>
  existsSync(join(actionsDir, n, 'action.yml')),
);

it('finds an action.yml in every action folder (an empty list would check nothing)', () => {
  expect(actions).toEqual(
    expect.arrayContaining([
      'build-extension',
      'build-installer',
      'build-kernel-pkg',
      'verify-image',
    ]),
  );
  const withMain = readdirSync(actionsDir).filter((n) =>
    existsSync(join(actionsDir, n, 'src', 'main.ts')),
  );
  expect(withMain.filter((n) => !actions.includes(n))).toEqual([]);
});

describe.each(actions)('action %s', (name) => {
  const dir = join(actionsDir, name);
  const load = () => ({
    spec: parse(readFileSync(join(dir, 'action.yml'), 'utf8')) as ActionYaml,
    files: sourceFiles(join(dir, 'src')),
  });

  it('runs its committed bundle on node24', () => {
    const { spec } = load();
    expect(spec.runs).toEqual({ using: 'node24', main: 'dist/index.cjs' });
    expect(existsSync(join(dir, 'dist', 'index.cjs'))).toBe(true);
    expect(existsSync(join(dir, 'README.md'))).toBe(true);
  });

  it('has Marketplace branding: a Feather icon and a colour GitHub accepts', () => {
    const { spec } = load();
    const colours = [
      'white',
      'black',
      'yellow',
      'blue',
      'green',
      'orange',
      'red',
      'purple',
      'gray-dark',
    ];
    expect(spec.branding?.icon).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
    expect(colours).toContain(spec.branding?.color);
  });

  it('describes every input and output, with kebab-case names and a default or required', () => {
    const { spec } = load();
    expect(spec.description).toBeTruthy();
    for (const [input, def] of Object.entries(spec.inputs ?? {})) {
      expect(input).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      expect(def.description).toBeTruthy();
      expect(def.required === true || def.default !== undefined).toBe(true);
    }
    for (const [output, def] of Object.entries(spec.outputs ?? {})) {
      expect(output).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      expect(def.description).toBeTruthy();
    }
  });

  it('reads exactly the inputs and writes exactly the outputs action.yml declares', () => {
    const { spec, files } = load();
    const used = usedNames(files);
    const contract = contractOf(name);
    const inputs = [...used.inputs, ...(contract ? contractInputs(contract).map(([n]) => n) : [])];
    const outputs = [...used.outputs, ...(contract?.outputs ?? [])];
    expect(inputs.sort()).toEqual(Object.keys(spec.inputs ?? {}).sort());
    expect(outputs.sort()).toEqual(Object.keys(spec.outputs ?? {}).sort());
  });

  it("gives each input the contract's default and required", () => {
    const { spec } = load();
    const contract = contractOf(name);
    if (!contract) return;
    for (const [input, s] of contractInputs(contract)) {
      const declared = spec.inputs?.[input];
      expect({ input, default: declared?.default, required: declared?.required ?? false }).toEqual({
        input,
        default: s.required ? undefined : (s.actionDefault ?? s.default ?? ''),
        required: s.required ?? false,
      });
    }
  });
});

type AnyContract = StepContract<InputSpecs, unknown, unknown>;

function contractOf(action: string): AnyContract | undefined {
  return (stepContracts as Readonly<Record<string, AnyContract>>)[action];
}

function contractInputs(contract: AnyContract) {
  return inputsFor(contract.inputs, 'action');
}

describe.each(Object.keys(stepContracts))('CLI command for contract %s', (step) => {
  const commandOf = async (contract: AnyContract) => {
    const program = await createProgram(
      { stdout: process.stdout, stderr: process.stderr, env: {}, cwd: repoRoot },
      { exitCode: 0 },
    );
    return program.commands.find((c) => c.name() === (contract.command ?? step));
  };

  it('has exactly the positional inputs of the contract as its arguments, in order', async () => {
    const contract = contractOf(step) as AnyContract;
    const command = await commandOf(contract);
    expect(command).toBeDefined();
    const expected = inputsFor(contract.inputs, 'cli')
      .filter(([, s]) => s.positional)
      .map(([input, s]) => ({ name: input, required: s.required ?? false }));
    expect(
      command?.registeredArguments.map((a) => ({ name: a.name(), required: a.required })),
    ).toEqual(expected);
  });

  it('has exactly one flag per CLI input of the contract, with its default', async () => {
    const contract = contractOf(step) as AnyContract;
    const command = await commandOf(contract);
    expect(command).toBeDefined();
    const flagInputs = inputsFor(contract.inputs, 'cli').filter(([, s]) => !s.positional);
    const expected = flagInputs.map(([input, s]) => {
      const flag = s.flag ?? input;
      if (s.kind === 'secret') return `--${flag}-stdin`;
      if (s.kind === 'boolean') return s.default === 'true' ? `--no-${flag}` : `--${flag}`;
      return `--${flag}`;
    });
    expect(command?.options.map((o) => o.long).sort()).toEqual(expected.sort());
    for (const [input, s] of flagInputs) {
      if (s.kind !== 'string' && s.kind !== 'choice') continue;
      const option = command?.options.find((o) => o.long === `--${s.flag ?? input}`);
      expect({ input, default: option?.defaultValue }).toEqual({
        input,
        default: s.default || undefined,
      });
    }
  });
});
