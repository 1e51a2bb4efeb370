/**
 * `talosctl get extensions -o yaml` output: one `ExtensionStatuses.runtime.talos.dev` resource
 * per document (`---` between them, `node:` first; siderolabs/talos
 * cmd/talosctl/cmd/talos/output/yaml.go), whose spec is the extension's layer from the node's
 * extensions.yaml: `{image: "0.sqsh", metadata: {name, version, author, …}}`. The image is the
 * squashfs file on the node, not a reference, so the node's extensions are known by name.
 */
import { parseAllDocuments } from 'yaml';
import { InputError } from '@talos-kmod/common';

/** The resource type talosctl prints. */
export const extensionStatusType = 'ExtensionStatuses.runtime.talos.dev';

/**
 * Entries that are not extensions a user chose: `modules.dep` is the depmod layer the imager adds
 * (siderolabs/talos internal/pkg/extensions/kernel_modules.go), `schematic` the layer Image
 * Factory adds to name the schematic.
 */
export const syntheticExtensionNames: readonly string[] = ['modules.dep', 'schematic'];

/** One extension a node runs. */
export interface NodeExtension {
  readonly name: string;
  readonly version: string;
  /** Nodes that report it. */
  readonly nodes: readonly string[];
}

const maxSize = 8 * 1024 * 1024;

/** The extensions in the output (synthetic ones left out), merged across nodes, in first-seen order. */
export function parseExtensionStatuses(text: string, source: string): NodeExtension[] {
  if (text.length > maxSize) {
    throw new InputError(
      `${source} is ${text.length} bytes, more than talosctl get extensions prints`,
    );
  }
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) {
    throw new InputError(
      `${source} is not YAML: save the output of 'talosctl get extensions -o yaml'`,
    );
  }
  const found = new Map<string, { name: string; version: string; nodes: string[] }>();
  let resources = 0;
  docs.forEach((doc, i) => {
    if (doc.errors.length > 0) {
      throw new InputError(
        `${source} document ${i + 1} is not valid YAML: ${doc.errors[0]?.message ?? 'parse error'}`,
      );
    }
    const v: unknown = doc.toJS({ maxAliasCount: 100 });
    if (v === null || v === undefined) return;
    const r = typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
    const meta = asRecord(r.metadata);
    const spec = asRecord(r.spec);
    if (meta?.type !== extensionStatusType || !spec) {
      throw new InputError(
        `${source} document ${i + 1} is not an ${extensionStatusType} resource: save the output of 'talosctl get extensions -o yaml'`,
      );
    }
    resources++;
    const m = asRecord(spec.metadata);
    const name = typeof m?.name === 'string' ? m.name.trim() : '';
    const version = m?.version === undefined || m.version === null ? '' : String(m.version);
    if (!name) {
      throw new InputError(`${source} document ${i + 1} has no spec.metadata.name`);
    }
    if (syntheticExtensionNames.includes(name)) return;
    const node = typeof r.node === 'string' ? r.node : '';
    const key = `${name}\n${version}`;
    const entry = found.get(key) ?? { name, version, nodes: [] };
    if (node && !entry.nodes.includes(node)) entry.nodes.push(node);
    found.set(key, entry);
  });
  if (resources === 0) {
    throw new InputError(
      `${source} holds no extension resources: save the output of 'talosctl -n <node> get extensions -o yaml'`,
    );
  }
  return [...found.values()];
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}
