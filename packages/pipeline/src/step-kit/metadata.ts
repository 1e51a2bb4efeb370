/**
 * buildx's `--metadata-file` JSON (`containerimage.digest`, `image.name`,
 * `containerimage.descriptor`), used to cross-check what the registry reports for a pushed tag.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDigest, type Digest } from '@talos-kmod/oci';

/** The fields of a metadata file this project reads. */
export interface BuildxMetadata {
  /** `containerimage.digest`: the pushed manifest or index digest. */
  readonly digest?: Digest;
  /** `image.name`, split at commas. */
  readonly imageNames: readonly string[];
  readonly path: string;
}

/** Reads a metadata file; undefined when it does not exist, throws when it is not JSON. */
export async function readBuildxMetadata(path: string): Promise<BuildxMetadata | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const json = JSON.parse(text) as Record<string, unknown>;
  const digest = json['containerimage.digest'];
  const names = json['image.name'];
  return {
    ...(typeof digest === 'string' && isDigest(digest) ? { digest } : {}),
    imageNames:
      typeof names === 'string'
        ? names
            .split(',')
            .map((n) => n.trim())
            .filter(Boolean)
        : [],
    path,
  };
}

/** The per-target file the step's `CI_ARGS` asks buildx to write (see metadataFileCiArg). */
export function metadataPath(dir: string, target: string): string {
  return join(dir, `${target}.metadata.json`);
}
