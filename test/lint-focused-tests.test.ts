/**
 * The lint run (`npm run lint`, in CI) refuses focused tests: `it.only`, `describe.only`,
 * `test.only`, `fit`, `fdescribe` make jest skip every other test in the file, and a green run
 * would then say nothing about them. Planted sources go through the repository's own ESLint
 * config at a test path; a plain test passes.
 */
import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';
import { repoRoot } from './support/action';

const eslint = new ESLint({ cwd: repoRoot });

async function ruleIds(source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, {
    filePath: `${repoRoot}/packages/common/test/planted.test.ts`,
  });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

const header = "import { describe, expect, it, test } from '@jest/globals';\n";

describe('lint on test files', () => {
  it('passes a plain test', async () => {
    expect(
      await ruleIds(
        `${header}describe('x', () => { it('y', () => { expect(1).toBe(1); }); });\ntest('z', () => {});\n`,
      ),
    ).toEqual([]);
  });

  it.each([
    ["it.only('y', () => {});", 'no-restricted-properties'],
    ["describe.only('x', () => {});", 'no-restricted-properties'],
    ["test.only('z', () => {});", 'no-restricted-properties'],
    ["describe.only.each([1])('x %s', () => {});", 'no-restricted-properties'],
  ])('refuses %s', async (line, rule) => {
    expect(await ruleIds(`${header}${line}\nvoid [describe, expect, it, test];\n`)).toContain(rule);
  });

  it('refuses fit and fdescribe, imported or global', async () => {
    expect(await ruleIds("import { fit } from '@jest/globals';\nfit('y', () => {});\n")).toContain(
      'no-restricted-imports',
    );
    expect(await ruleIds("fdescribe('x', () => {});\n")).toContain('no-restricted-globals');
  });
});
