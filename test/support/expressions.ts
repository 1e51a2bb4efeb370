/**
 * Evaluates GitHub Actions `${{ … }}` expressions with GitHub's own `@actions/expressions`
 * (the same evaluator the workflow tooling uses), for the workflow harness and action defaults.
 */
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';

/** Plain JSON values standing for expression data. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

/** Context objects available to an expression (`github`, `inputs`, `steps`, …). */
export type Contexts = Record<string, JsonValue>;

/** Job status for the status functions (`success()`, `failure()`, `always()`, `cancelled()`). */
export interface StatusState {
  failed: boolean;
}

function toData(value: JsonValue): data.ExpressionData {
  return JSON.parse(JSON.stringify(value), data.reviver) as data.ExpressionData;
}

/** Converts evaluator output back to JSON values. */
export function fromData(value: data.ExpressionData): JsonValue {
  return JSON.parse(JSON.stringify(value, data.replacer)) as JsonValue;
}

function statusFunctions(status: StatusState): FunctionDefinition[] {
  const fn = (name: string, result: () => boolean): FunctionDefinition => ({
    name,
    minArgs: 0,
    maxArgs: 0,
    call: () => new data.BooleanData(result()),
  });
  return [
    fn('success', () => !status.failed),
    fn('failure', () => status.failed),
    fn('always', () => true),
    fn('cancelled', () => false),
  ];
}

/** Evaluates one expression (without `${{ }}`) against `contexts`. */
export function evaluateExpression(
  expression: string,
  contexts: Contexts,
  status: StatusState = { failed: false },
): JsonValue {
  const lexed = new Lexer(expression).lex();
  const functions = statusFunctions(status);
  const parser = new Parser(lexed.tokens, Object.keys(contexts), functions);
  const expr = parser.parse();
  const dict = new data.Dictionary(
    ...Object.entries(contexts).map(([key, value]) => ({ key, value: toData(value) })),
  );
  const evaluator = new Evaluator(expr, dict, new Map(functions.map((f) => [f.name, f])));
  return fromData(evaluator.evaluate());
}

/** The string the runner would substitute for a value (objects become JSON, null ''). */
export function coerceToString(value: JsonValue): string {
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Replaces every `${{ expr }}` in `text` with its string value. */
export function interpolate(text: string, contexts: Contexts): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m, expr: string) =>
    coerceToString(evaluateExpression(expr.trim(), contexts)),
  );
}
