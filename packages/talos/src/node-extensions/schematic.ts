/**
 * An Image Factory schematic (siderolabs/image-factory pkg/schematic/schematic.go): the node's
 * official extensions are `customization.systemExtensions.officialExtensions`, a list of names
 * such as `siderolabs/iscsi-tools`. Other fields are not ours to read.
 */
import { parseDocument } from 'yaml';
import { InputError } from '@talos-kmod/common';

const maxSize = 1024 * 1024;

/** The official extension names of a schematic (empty when it has none). */
export function parseSchematicExtensions(text: string, source: string): string[] {
  if (text.length > maxSize) {
    throw new InputError(
      `schematic ${source} is ${text.length} bytes: a schematic is a small YAML file`,
    );
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new InputError(
      `schematic ${source} is not valid YAML: ${doc.errors[0]?.message ?? 'parse error'}`,
    );
  }
  const root: unknown = doc.toJS({ maxAliasCount: 100 });
  if (root === null || root === undefined) return [];
  if (typeof root !== 'object' || Array.isArray(root)) {
    throw new InputError(
      `schematic ${source} is not a mapping: give the schematic.yaml you upload to Image Factory`,
    );
  }
  const r = root as Record<string, unknown>;
  if (!('customization' in r)) {
    throw new InputError(
      `schematic ${source} has no 'customization' key: give the schematic.yaml you upload to Image Factory`,
    );
  }
  const list = dig(r, ['customization', 'systemExtensions', 'officialExtensions']);
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list) || list.some((n) => typeof n !== 'string' || n.trim() === '')) {
    throw new InputError(
      `schematic ${source}: customization.systemExtensions.officialExtensions must be a list of names such as siderolabs/iscsi-tools`,
    );
  }
  return [...new Set(list.map((n: string) => n.trim()))];
}

function dig(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}
