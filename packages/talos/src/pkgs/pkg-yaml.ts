/**
 * `pkg.yaml` files read as text: they are Go templates before they are YAML (`ARCH: {{ if … }}`
 * is not valid YAML until bldr renders it), so only the lines that matter are read: the package
 * `name:`, its `- stage:` dependencies and its `- image:` dependencies, with line numbers.
 */
import { parseScalar } from '../pkgfile/var-lines';

/** An `- image: …` dependency line. */
export interface PkgImageLine {
  /** 1-based line number. */
  readonly line: number;
  /** The whole line as written (no end-of-line characters). */
  readonly text: string;
  /** The image reference template, unquoted (e.g. `{{ .BUILD_ARG_PKGS_PREFIX }}/hailort-pkg:{{ .BUILD_ARG_PKGS }}`). */
  readonly image: string;
  readonly quote: '"' | "'" | '';
}

/** The top-level `name:` of a pkg.yaml, unquoted; `undefined` when the file has none. */
export function readPkgYamlName(text: string): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    const m = /^name:\s*(.*?)\s*$/.exec(line);
    if (m) return parseScalar(m[1] ?? '').value || undefined;
  }
  return undefined;
}

/**
 * Stage names from `- stage: <name>` lines. Lines inside `{{ if }}` branches are all included (the
 * reader does not evaluate templates), which over-approximates the dependencies.
 */
export function readPkgYamlStages(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:-\s+)?stage:\s*(.*?)\s*$/.exec(line);
    if (!m || /^\s*#/.test(line)) continue;
    const name = parseScalar(m[1] ?? '').value;
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}

/** Every `- image: …` line (dependencies pulled from a registry), in file order. */
export function readPkgYamlImages(text: string): PkgImageLine[] {
  const out: PkgImageLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const m = /^\s*-\s+image:\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const scalar = parseScalar(m[1] ?? '');
    out.push({ line: i + 1, text: line, image: scalar.value, quote: scalar.quote });
  }
  return out;
}
