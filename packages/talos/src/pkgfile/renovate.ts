/**
 * Renovate annotations: the `# renovate: datasource=… depName=…` comments that precede version
 * variables in `Pkgfile` and `vars.yaml` (siderolabs/pkgs Pkgfile, siderolabs/extensions Pkgfile).
 */

/** One `# renovate:` comment, split into its `key=value` fields. */
export interface RenovateAnnotation {
  /** 1-based line number of the comment. */
  readonly line: number;
  /** The comment line as written (without the end-of-line characters). */
  readonly text: string;
  /** Every `key=value` field in order of appearance (later duplicates win). */
  readonly fields: Readonly<Record<string, string>>;
  readonly datasource?: string;
  readonly depName?: string;
  readonly extractVersion?: string;
  readonly versioning?: string;
}

const renovatePrefix = /^\s*#\s*renovate:\s*(.*)$/;

/** True when a line is a `# renovate:` comment. */
export function isRenovateComment(line: string): boolean {
  return renovatePrefix.test(line);
}

/**
 * Parses a `# renovate: datasource=github-releases extractVersion=^v(?<version>.*)$ depName=x/y`
 * comment; `undefined` when the line is not one. Values run to the next whitespace, as Renovate's
 * regex managers read them.
 */
export function parseRenovateComment(text: string, line = 0): RenovateAnnotation | undefined {
  const m = renovatePrefix.exec(text);
  if (!m) return undefined;
  const fields: Record<string, string> = {};
  for (const token of (m[1] ?? '').trim().split(/\s+/)) {
    const eq = token.indexOf('=');
    if (eq <= 0) continue;
    fields[token.slice(0, eq)] = token.slice(eq + 1);
  }
  const pick = (k: string) => (fields[k] === undefined ? {} : { [k]: fields[k] });
  return {
    line,
    text,
    fields,
    ...pick('datasource'),
    ...pick('depName'),
    ...pick('extractVersion'),
    ...pick('versioning'),
  };
}
