/**
 * Each workspace package's package.json declares exactly what its sources and tests import:
 * every bare import of `src/` is a dependency (or, for the CLI, whose published bundle carries
 * everything, a devDependency), every test-only import a devDependency, and nothing declared
 * goes unused. Type-only imports of a package count as imports of it.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { repoRoot } from './support/action';

interface PackageJson {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? tsFiles(join(dir, d.name))
      : d.name.endsWith('.ts')
        ? [join(dir, d.name)]
        : [],
  );
}

/** Package names imported by `files` (`@scope/name/sub` → `@scope/name`), without node builtins. */
function importedPackages(files: string[]): Set<string> {
  const out = new Set<string>();
  for (const file of files) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    const add = (spec: string) => {
      if (spec.startsWith('.') || spec.startsWith('node:')) return;
      const parts = spec.split('/');
      out.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec));
    };
    const visit = (node: ts.Node): void => {
      if (
        (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
        node.moduleSpecifier &&
        ts.isStringLiteral(node.moduleSpecifier)
      ) {
        add(node.moduleSpecifier.text);
      }
      if (
        ts.isCallExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ImportKeyword &&
        node.arguments[0] &&
        ts.isStringLiteral(node.arguments[0])
      ) {
        add(node.arguments[0].text);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out;
}

const dirs = [
  ...readdirSync(join(repoRoot, 'packages')).map((n) => join('packages', n)),
  join('actions', 'action-kit'),
].filter((d) => existsSync(join(repoRoot, d, 'package.json')));

it('finds the workspace packages (an empty list would check nothing)', () => {
  expect(dirs.length).toBeGreaterThanOrEqual(8);
});

describe.each(dirs)('%s/package.json', (dir) => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as PackageJson;
  const own = (names: Set<string>) => [...names].filter((n) => n !== pkg.name).sort();
  const src = own(importedPackages(tsFiles(join(repoRoot, dir, 'src'))));
  const test = own(importedPackages(tsFiles(join(repoRoot, dir, 'test'))));
  const deps = Object.keys(pkg.dependencies ?? {});
  const dev = Object.keys(pkg.devDependencies ?? {});

  it('declares every package its sources import', () => {
    expect(src.filter((n) => !deps.includes(n) && !dev.includes(n))).toEqual([]);
  });

  it('declares test-only imports as devDependencies, never as dependencies', () => {
    const testOnly = test.filter((n) => !src.includes(n) && n !== '@jest/globals');
    expect(testOnly.filter((n) => !dev.includes(n))).toEqual([]);
    expect(deps.filter((n) => !src.includes(n))).toEqual([]);
  });

  it('declares nothing it does not import', () => {
    const used = new Set([...src, ...test]);
    const unused = [...deps, ...dev].filter(
      (n) => !used.has(n) && !(n.startsWith('@types/') && used.has(n.slice('@types/'.length))),
    );
    expect(unused).toEqual([]);
  });
});
