/** Rewrites the value of one `KEY: value` line, keeping its indentation and trailing comment. */
import { parseScalar } from '../pkgfile/var-lines';

/** The line with its value replaced by `scalar` (already YAML-formatted). */
export function setVarValue(line: string, scalar: string): string {
  const m = /^(\s*[A-Za-z_][A-Za-z0-9_.-]*\s*:\s*)(.*)$/.exec(line);
  if (!m) return line;
  const rest = m[2] ?? '';
  const raw = parseScalar(rest).rawValue;
  const head = (m[1] ?? '').endsWith(' ') || raw === '' ? (m[1] ?? '') : `${m[1] ?? ''} `;
  return `${head}${scalar}${rest.slice(raw.length)}`;
}
