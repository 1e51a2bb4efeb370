/**
 * `extensions.yaml` in an installer's initramfs: the list of system extension squashfs images the
 * node mounts, written by the imager (siderolabs/talos pkg/machinery/extensions/config.go,
 * `Config{Layers []*Layer}` with `Layer{Image, Metadata}`, encoded with go-yaml):
 *
 *   layers:
 *     - image: 0.sqsh
 *       metadata: {name: hailort, version: 4.24.0, author: …, description: …, compatibility: …}
 *
 * The last layer is `modules.dep.sqsh` (metadata name `modules.dep`) when any extension carries
 * kernel modules (internal/pkg/extensions/kernel_modules.go).
 */
import { parse } from 'yaml';

/** One layer of `extensions.yaml`. */
export interface ExtensionLayer {
  /** File name of the squashfs image in the initramfs (`0.sqsh`, `modules.dep.sqsh`). */
  readonly image: string;
  readonly name: string;
  readonly version: string;
  readonly author?: string;
  readonly description?: string;
  /** `metadata.compatibility.talos.version`, when set. */
  readonly talosConstraint?: string;
}

/** What {@link parseExtensionsConfig} found: layers, and what was wrong. */
export interface ExtensionsConfig {
  readonly layers: readonly ExtensionLayer[];
  readonly problems: readonly string[];
}

/** The metadata name of the layer holding depmod's output. */
export const modulesDepLayerName = 'modules.dep';

const text = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

const record = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;

/** Parses `extensions.yaml`; never throws. */
export function parseExtensionsConfig(source: string): ExtensionsConfig {
  let doc: unknown;
  try {
    doc = parse(source, { maxAliasCount: 100 });
  } catch (e: unknown) {
    return {
      layers: [],
      problems: [`extensions.yaml is not YAML (${e instanceof Error ? e.message : String(e)})`],
    };
  }
  const layersValue = record(doc)?.layers;
  if (!Array.isArray(layersValue)) {
    return { layers: [], problems: ['extensions.yaml has no layers list'] };
  }
  const layers: ExtensionLayer[] = [];
  const problems: string[] = [];
  layersValue.forEach((raw: unknown, i) => {
    const layer = record(raw);
    const image = text(layer?.image);
    const metadata = record(layer?.metadata);
    const name = text(metadata?.name);
    const version = text(metadata?.version);
    if (!image || !name || version === undefined) {
      problems.push(
        `extensions.yaml layer ${i + 1} lacks ${[!image && 'image', !name && 'metadata.name', version === undefined && 'metadata.version'].filter(Boolean).join(', ')}`,
      );
      return;
    }
    const author = text(metadata?.author);
    const description = text(metadata?.description);
    const constraint = text(record(record(metadata?.compatibility)?.talos)?.version);
    layers.push({
      image,
      name,
      version,
      ...(author !== undefined ? { author } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(constraint ? { talosConstraint: constraint } : {}),
    });
  });
  return { layers, problems };
}
