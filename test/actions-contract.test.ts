/**
 * `action.yml` is the contract. For every action, the code reads exactly the inputs
 * the file declares and writes exactly the outputs it declares; every input and output has a
 * description; inputs are required or have a default; the bundle runs on node24.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { parse } from 'yaml';
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
    expect([...used.inputs].sort()).toEqual(Object.keys(spec.inputs ?? {}).sort());
    expect([...used.outputs].sort()).toEqual(Object.keys(spec.outputs ?? {}).sort());
  });
});
