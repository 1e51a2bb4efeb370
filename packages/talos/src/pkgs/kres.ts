/**
 * `.kres.yaml`: the kres configuration the Makefile is generated from. Its `pkgfile.Build`
 * document lists `spec.targets` and `spec.additionalTargets` (e.g. `nonfree`). Plain YAML (no
 * templates), read with line numbers for editors.
 */
import { join } from 'node:path';
import { LineCounter, parseAllDocuments, isMap, isSeq, isScalar, type Node } from 'yaml';
import type { MakeTargetLine } from '../make/makefile';
import { readOptionalText } from '../internal/read-optional-text';

/** The target lists of `.kres.yaml`. */
export interface KresTargets {
  readonly targets: readonly MakeTargetLine[];
  /** `additionalTargets` groups by name (`nonfree` → […]). */
  readonly additionalTargets: Readonly<Record<string, readonly MakeTargetLine[]>>;
}

function listOf(node: unknown, lc: LineCounter): MakeTargetLine[] {
  if (!isSeq(node)) return [];
  const out: MakeTargetLine[] = [];
  for (const item of node.items) {
    if (!isScalar(item) || typeof item.value !== 'string') continue;
    const start = (item as Node).range?.[0] ?? 0;
    out.push({ name: item.value, line: lc.linePos(start).line });
  }
  return out;
}

/** Parses `.kres.yaml`; `undefined` when it has no `pkgfile.Build` document. */
export function parseKresTargets(text: string): KresTargets | undefined {
  const lc = new LineCounter();
  for (const doc of parseAllDocuments(text, { lineCounter: lc })) {
    if (!('contents' in doc) || !isMap(doc.contents)) continue;
    if (doc.get('kind') !== 'pkgfile.Build') continue;
    const spec = doc.get('spec', true);
    if (!isMap(spec)) return { targets: [], additionalTargets: {} };
    const additional: Record<string, MakeTargetLine[]> = {};
    const extra = spec.get('additionalTargets', true);
    if (isMap(extra)) {
      for (const pair of extra.items) {
        if (isScalar(pair.key)) additional[String(pair.key.value)] = listOf(pair.value, lc);
      }
    }
    return { targets: listOf(spec.get('targets', true), lc), additionalTargets: additional };
  }
  return undefined;
}

/** Reads `<dir>/.kres.yaml`; `undefined` when the file is missing or has no target list. */
export async function readKresTargets(dir: string): Promise<KresTargets | undefined> {
  const text = await readOptionalText(join(dir, '.kres.yaml'));
  return text === undefined ? undefined : parseKresTargets(text);
}
