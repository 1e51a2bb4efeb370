/**
 * The subset of Go templates that upstream vars.yaml files use for `VERSION`: `{{ .NAME }}`
 * (optionally with `-` trim markers). Any other action (pipelines, functions, conditionals) is
 * reported as unresolved, so callers can fall back to what buildx reports.
 */

/** The result of rendering one string. */
export interface RenderResult {
  readonly text: string;
  /** Actions that could not be evaluated (`{{ .X | replace … }}`, a variable not in context). */
  readonly unresolved: readonly string[];
}

const action = /\{\{(-?)\s*(.*?)\s*(-?)\}\}/g;

/** Renders `{{ .NAME }}` actions from `context`; everything else is listed as unresolved. */
export function renderSimpleTemplate(
  text: string,
  context: Readonly<Record<string, string | undefined>>,
): RenderResult {
  const unresolved: string[] = [];
  const out = text.replace(action, (whole, _l: string, body: string) => {
    const m = /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(body);
    const value = m ? context[m[1] ?? ''] : undefined;
    if (value === undefined) {
      unresolved.push(whole);
      return whole;
    }
    return value;
  });
  // Trim markers remove adjacent whitespace in Go templates; the forms upstream uses have none
  // next to the value, so only report them as unresolved when whitespace would be trimmed.
  return { text: out, unresolved };
}
