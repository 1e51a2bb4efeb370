/**
 * The node's other extensions: an installer built with only the new module's extension would
 * drop every other extension the node runs (iscsi-tools, qemu-guest-agent, …) on upgrade. They
 * come as pinned images, as the official names of an Image Factory schematic, or as the names a
 * node reports (`talosctl get extensions -o yaml`); names resolve to the pinned images of the
 * target Talos release through the official catalog.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from '@talos-kmod/common';
import { parseReference, type Reference, type RegistryOptions } from '@talos-kmod/oci';
import {
  officialName,
  parseExtensionStatuses,
  parseSchematicExtensions,
  parseTalosRelease,
  readOfficialCatalog,
  resolveOfficialExtensions,
} from '@talos-kmod/talos';
import type { BuildInstallerOptions, InputImages } from './options';

/** One extension added to the installer besides the given extension images. */
export interface ExtraExtension {
  readonly image: Reference;
  /** Where it came from: `extra-extension-images`, `schematic` or `node-extensions`. */
  readonly from: 'extra-extension-images' | 'schematic' | 'node-extensions';
}

/** The repository's last path segment: `ghcr.io/siderolabs/iscsi-tools:v0.2.0` → `iscsi-tools`. */
function baseName(ref: Reference): string {
  return ref.repository.split('/').pop() ?? '';
}

/**
 * The extra extension images, in the order: pinned images, schematic names, node names. A name
 * that the given extension images (the module's own, freshly built) or a pinned image already
 * provide is not added again: the new build replaces what the node runs.
 */
export async function resolveExtraExtensions(
  options: BuildInstallerOptions,
  images: InputImages,
  registry: RegistryOptions,
  logger: Logger,
): Promise<ExtraExtension[]> {
  const out: ExtraExtension[] = [];
  const provided = new Set<string>();
  for (const e of images.extensions) provided.add(officialName(baseName(e)));
  for (const image of images.extraExtensions) {
    const name = officialName(baseName(image));
    if (provided.has(name)) continue;
    provided.add(name);
    out.push({ image, from: 'extra-extension-images' });
  }
  const wanted: { name: string; from: 'schematic' | 'node-extensions'; note?: string }[] = [];
  if (options.schematic) {
    const names = parseSchematicExtensions(
      await readFile(options.schematic, 'utf8'),
      options.schematic,
    );
    logger.info(`schematic ${options.schematic}: ${names.join(', ') || 'no official extensions'}`);
    for (const name of names) wanted.push({ name, from: 'schematic' });
  }
  if (options.nodeExtensions) {
    const found = parseExtensionStatuses(
      await readFile(options.nodeExtensions, 'utf8'),
      options.nodeExtensions,
    );
    logger.info(
      `${options.nodeExtensions}: the node runs ${found.map((e) => `${e.name} ${e.version}`).join(', ') || 'no extensions'}`,
    );
    for (const e of found) {
      const same = wanted.find((w) => officialName(w.name) === officialName(e.name));
      if (same) same.note = e.version;
      else wanted.push({ name: e.name, from: 'node-extensions', note: e.version });
    }
  }
  const names = wanted.filter((w) => {
    const full = officialName(w.name);
    if (provided.has(full)) {
      logger.info(`${w.name}: provided by the extension images given (not taken from ${w.from})`);
      return false;
    }
    provided.add(full);
    return true;
  });
  if (names.length === 0) return out;
  const release = parseTalosRelease(options.talosVersion ?? '', "input 'talos-version'");
  const catalog = await logger.group(`Resolve official extensions for Talos ${release.tag}`, () =>
    readOfficialCatalog(release.tag, options.extensionsCatalog, registry),
  );
  const resolved = resolveOfficialExtensions(
    names.map((n) => n.name),
    catalog.entries,
    catalog.source,
  );
  resolved.forEach((entry, i) => {
    const w = names[i];
    if (!w) return;
    const changed = w.note && w.note !== entry.version ? ` (the node runs ${w.note})` : '';
    logger.info(`${w.name} → ${entry.image}${changed}`);
    // The catalog is read from a file or a registry: its references are parsed here, once.
    out.push({ image: parseReference(entry.image), from: w.from });
  });
  return out;
}
