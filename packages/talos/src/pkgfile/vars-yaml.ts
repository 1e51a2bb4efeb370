/**
 * `vars.yaml` files: flat `KEY: value` maps bldr loads for every package below their folder
 * (siderolabs/bldr internal/pkg/solver/filesystem_loader.go). They are Go templates first; this
 * reads them as text, so values may still hold `{{ … }}` actions.
 */
import { parseVarLines, splitLines, type VarSection } from './var-lines';

/** Parses `vars.yaml` text: top-level `KEY: value` lines, blocks and Renovate comments. */
export function parseVarsYaml(text: string): VarSection {
  const lines = splitLines(text);
  return parseVarLines(lines, 0, lines.length, '');
}
