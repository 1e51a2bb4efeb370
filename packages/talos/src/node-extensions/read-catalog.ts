/**
 * Loads the official extensions catalog of a Talos release: the `image-digests` file at the root
 * of `<repository>:<talos-version>` (default `ghcr.io/siderolabs/extensions`), read from the
 * registry as talosctl and Image Factory do, or an `image-digests` file already on disk (for
 * air-gapped runs: `crane export ghcr.io/siderolabs/extensions:v1.11.5 - | tar x image-digests`).
 */
import { readFile, stat } from 'node:fs/promises';
import { InputError, UserError } from '@talos-kmod/common';
import { openImage, parseImageSpec, walkImageFiles, type RegistryOptions } from '@talos-kmod/oci';
import {
  officialExtensionsRepository,
  parseImageDigests,
  type CatalogEntry,
} from './official-catalog';

const maxCatalogSize = 1024 * 1024;

/** The catalog and where it came from (for messages). */
export interface OfficialCatalog {
  readonly source: string;
  readonly entries: readonly CatalogEntry[];
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * Reads the catalog for `talosVersion` (`v1.11.5`) from `source`: an image-digests file, or a
 * repository (tagged with the version; default {@link officialExtensionsRepository}).
 */
export async function readOfficialCatalog(
  talosVersion: string,
  source: string | undefined,
  registry: RegistryOptions,
): Promise<OfficialCatalog> {
  const from = source?.trim() || officialExtensionsRepository;
  if (await isFile(from)) {
    const s = await stat(from);
    if (s.size > maxCatalogSize) {
      throw new InputError(
        `extensions catalog ${from} is ${s.size} bytes: give an image-digests file`,
      );
    }
    return { source: from, entries: parseImageDigests(await readFile(from, 'utf8'), from) };
  }
  const ref = `${from}:${talosVersion}`;
  let text: string | undefined;
  const image = await openImage(parseImageSpec(ref), registry).catch((e: unknown) => {
    throw new UserError(
      `could not open the extensions catalog ${ref}: ${e instanceof Error ? e.message : String(e)}. ` +
        'Check talos-version, or give an image-digests file as the catalog',
      { cause: e },
    );
  });
  try {
    const platforms = await image.platforms();
    const img = await image.image(
      platforms.find((p) => p.os === 'linux' && p.architecture === 'amd64') ?? platforms[0],
    );
    await walkImageFiles(img, {
      want: (f) => f.type === 'file' && f.path === 'image-digests',
      maxFileSize: maxCatalogSize,
      onFile: (_f, content) => {
        if (content) text = content.toString('utf8');
      },
    });
  } finally {
    await image.close();
  }
  if (text === undefined) {
    throw new InputError(
      `${ref} has no image-digests file: is it an extensions catalog image (ghcr.io/siderolabs/extensions)?`,
    );
  }
  return { source: ref, entries: parseImageDigests(text, `${ref} image-digests`) };
}
