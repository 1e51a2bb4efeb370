/**
 * `manifest.yaml` of a system extension, decoded the way Talos decodes it (go-yaml into string
 * fields: any scalar is taken as written, so `version: 4.10` stays `4.10`; unknown keys are
 * ignored; only the first document counts). Shape from siderolabs/talos
 * pkg/machinery/extensions/metadata.go.
 */
import { isMap, isScalar, isSeq, parseAllDocuments, type Node } from 'yaml';

/** The manifest's fields; absent strings are ''. */
export interface ExtensionManifest {
  readonly version: string;
  readonly metadata: {
    readonly name: string;
    readonly version: string;
    readonly author: string;
    readonly description: string;
    readonly compatibility: { readonly talos: { readonly version: string } };
    readonly extraInfo: string;
  };
}

/** A decode outcome: the manifest, or an error saying where the YAML is wrong. */
export type ManifestParse =
  { ok: true; manifest: ExtensionManifest } | { ok: false; error: string };

class DecodeError extends Error {}

const nullScalars = new Set(['', '~', 'null', 'Null', 'NULL']);

function where(node: Node, text: string): string {
  const offset = node.range?.[0];
  if (offset === undefined) return '';
  const line = text.slice(0, offset).split('\n').length;
  return ` (line ${line})`;
}

function kindOf(node: Node): string {
  return isMap(node) ? 'a mapping' : isSeq(node) ? 'a list' : 'a scalar';
}

/** A string field: a scalar as written; null-like plain scalars and absence give ''. */
function stringField(node: unknown, field: string, text: string): string {
  if (node === undefined || node === null) return '';
  if (!isScalar(node)) {
    throw new DecodeError(
      `'${field}' must be a string, not ${kindOf(node as Node)}${where(node as Node, text)}`,
    );
  }
  const value = String(node.value);
  return node.type === 'PLAIN' && nullScalars.has(value) ? '' : value;
}

/** A mapping field: its entries by key; absence and null give an empty record. */
function mapField(node: unknown, field: string, text: string): Record<string, unknown> {
  if (node === undefined || node === null) return {};
  if (isScalar(node) && node.type === 'PLAIN' && nullScalars.has(String(node.value))) return {};
  if (!isMap(node)) {
    throw new DecodeError(
      `'${field}' must be a mapping, not ${kindOf(node as Node)}${where(node as Node, text)}`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (key !== undefined) out[key] = pair.value;
  }
  return out;
}

/** Decodes `text`; never throws. */
export function parseExtensionManifest(text: string): ManifestParse {
  const docs = parseAllDocuments(text, { schema: 'failsafe' });
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  if (!doc || doc.contents === null) return { ok: false, error: 'manifest.yaml is empty' };
  const firstError = doc.errors[0];
  if (firstError)
    return {
      ok: false,
      error: `manifest.yaml is not valid YAML: ${firstError.message.split('\n')[0]?.replace(/:$/, '')}`,
    };
  try {
    const root = mapField(doc.contents, '(document)', text);
    const metadata = mapField(root.metadata, 'metadata', text);
    const compatibility = mapField(metadata.compatibility, 'metadata.compatibility', text);
    const talos = mapField(compatibility.talos, 'metadata.compatibility.talos', text);
    return {
      ok: true,
      manifest: {
        version: stringField(root.version, 'version', text),
        metadata: {
          name: stringField(metadata.name, 'metadata.name', text),
          version: stringField(metadata.version, 'metadata.version', text),
          author: stringField(metadata.author, 'metadata.author', text),
          description: stringField(metadata.description, 'metadata.description', text),
          compatibility: {
            talos: {
              version: stringField(talos.version, 'metadata.compatibility.talos.version', text),
            },
          },
          extraInfo: stringField(metadata.extraInfo, 'metadata.extraInfo', text),
        },
      },
    };
  } catch (e: unknown) {
    if (e instanceof DecodeError) return { ok: false, error: `manifest.yaml: ${e.message}` };
    throw e;
  }
}
