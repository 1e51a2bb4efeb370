/**
 * The official extensions of one Talos release: the `image-digests` file of
 * `ghcr.io/siderolabs/extensions:<talos-version>` (written by the siderolabs/extensions Makefile's
 * `internal/extensions/image-digests` target, one `ghcr.io/siderolabs/<name>:<version>@sha256:…`
 * per line), which Image Factory and `talosctl image talos-bundle` read to resolve names
 * (siderolabs/talos cmd/talosctl/pkg/talos/artifacts/images.go at v1.12.11).
 */
import { InputError } from '@talos-kmod/common';
import { parseReference } from '@talos-kmod/oci';

/** The repository the catalog image lives in; its tag is the Talos version. */
export const officialExtensionsRepository = 'ghcr.io/siderolabs/extensions';

/** One catalog line. */
export interface CatalogEntry {
  /** `siderolabs/iscsi-tools`: the name a schematic's `officialExtensions` uses. */
  readonly name: string;
  /** `ghcr.io/siderolabs/iscsi-tools:v0.2.0@sha256:…`. */
  readonly image: string;
  /** `v0.2.0`. */
  readonly version: string;
}

const maxLines = 10_000;

/**
 * The name and version of a catalog line `registry/name:version@sha256:…` (oci's reference
 * grammar, the registry written out so no Docker Hub default applies, tag and digest both
 * present); undefined for any other text.
 */
function catalogLine(text: string): { name: string; version: string } | undefined {
  try {
    const ref = parseReference(text);
    if (!ref.tag || !ref.digest || ref.toString() !== text) return undefined;
    return { name: ref.repository, version: ref.tag };
  } catch {
    return undefined;
  }
}

/** Parses an `image-digests` text; lines without `@` are skipped (as talos does), bad ones fail. */
export function parseImageDigests(text: string, source: string): CatalogEntry[] {
  const out: CatalogEntry[] = [];
  const lines = text.split('\n');
  if (lines.length > maxLines) {
    throw new InputError(
      `${source} has ${lines.length} lines, more than an extensions catalog has`,
    );
  }
  lines.forEach((raw, i) => {
    const t = raw.trim();
    if (!t.includes('@')) return;
    const entry = catalogLine(t);
    if (!entry) {
      throw new InputError(
        `${source} line ${i + 1} is '${t.slice(0, 120)}', not registry/name:version@sha256:<digest>: is it an image-digests file?`,
      );
    }
    out.push({ ...entry, image: t });
  });
  if (out.length === 0) {
    throw new InputError(
      `${source} lists no pinned image: give the image-digests of ghcr.io/siderolabs/extensions:<talos-version>`,
    );
  }
  return out;
}

/**
 * Extension names that changed after a release shipped them under another manifest name, as
 * Image Factory maps them (siderolabs/image-factory internal/profile/profile.go
 * `ExtensionNameAlias`, at 26b95cacb0846378fa5ed75e397eb732d6500c0a).
 */
export const extensionNameAliases: Readonly<Record<string, string>> = {
  'siderolabs/v4l-uvc': 'siderolabs/v4l-uvc-drivers',
  'siderolabs/usb-modem': 'siderolabs/usb-modem-drivers',
  'siderolabs/gasket': 'siderolabs/gasket-driver',
  'siderolabs/talos-vmtoolsd': 'siderolabs/vmtoolsd-guest-agent',
  'siderolabs/xe-guest-utilities': 'siderolabs/xen-guest-agent',
  'siderolabs/nvidia-container-toolkit': 'siderolabs/nvidia-container-toolkit-lts',
  'siderolabs/nvidia-open-gpu-kernel-modules': 'siderolabs/nvidia-open-gpu-kernel-modules-lts',
  'siderolabs/nonfree-kmod-nvidia': 'siderolabs/nonfree-kmod-nvidia-lts',
  'siderolabs/nvidia-fabricmanager': 'siderolabs/nvidia-fabric-manager-lts',
  'siderolabs/i915-ucode': 'siderolabs/i915',
  'siderolabs/amdgpu-firmware': 'siderolabs/amdgpu',
};

/** A name as a catalog name: `iscsi-tools` → `siderolabs/iscsi-tools`, aliases applied. */
export function officialName(name: string): string {
  const full = name.includes('/') ? name : `siderolabs/${name}`;
  return extensionNameAliases[full] ?? full;
}

/**
 * The catalog images of `names` (schematic names such as `siderolabs/iscsi-tools`, or manifest
 * names such as `iscsi-tools`). Unknown names fail together, each with the nearest catalog names.
 */
export function resolveOfficialExtensions(
  names: readonly string[],
  catalog: readonly CatalogEntry[],
  catalogSource: string,
): CatalogEntry[] {
  const byName = new Map(catalog.map((e) => [e.name, e]));
  const out: CatalogEntry[] = [];
  const unknown: string[] = [];
  for (const n of names) {
    const entry = byName.get(officialName(n));
    if (!entry) {
      unknown.push(n);
      continue;
    }
    if (!out.includes(entry)) out.push(entry);
  }
  if (unknown.length > 0) {
    const hint = (n: string) => {
      const base = n.split('/').pop() ?? n;
      const near = catalog
        .filter((e) => e.name.includes(base.slice(0, 4)))
        .map((e) => e.name)
        .slice(0, 3);
      return near.length > 0 ? `${n} (did you mean ${near.join(', ')}?)` : n;
    };
    throw new InputError(
      `${unknown.map(hint).join(', ')}: not in the official extensions of ${catalogSource}. ` +
        'Check the names against that list; an extension that is not official goes in as a pinned image (extra-extension-images)',
    );
  }
  return out;
}
