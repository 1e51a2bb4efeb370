/**
 * OCI image layouts (image-spec `image-layout.md`) as content stores: a directory (`oci:DIR`) or
 * the same inside a tar (`oci-archive:PATH`). `index.json` names the images; a `:ref` picks the
 * entry whose `org.opencontainers.image.ref.name` matches.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { InputError, UserError } from '@talos-kmod/common';
import { verifyingStream } from '../blob/verify';
import { filePieces } from '../buffers/file-pieces';
import { mediaTypes } from '../manifest/media-types';
import { checkDescriptor, type Descriptor } from '../manifest/types';
import { digestHex, digestWithAlgorithmOf, sha256Digest } from '../reference/digest';
import type { TarIndex } from '../tar/index-file';
import type { ContentStore } from './types';

/** Reading files of a layout, wherever it is. */
export interface LayoutFiles {
  readBytes(path: string): Promise<Buffer | undefined>;
  stream(path: string): Readable;
  close(): Promise<void>;
}

/** The files of a layout directory. */
export function directoryFiles(dir: string): LayoutFiles {
  return {
    async readBytes(path) {
      try {
        return await readFile(join(dir, path));
      } catch (e: unknown) {
        if ((e as { code?: unknown }).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    stream: (path) => filePieces(join(dir, path)),
    close: async () => undefined,
  };
}

/** The files of a layout inside an indexed tar. */
export function tarFiles(tar: TarIndex, cleanup: () => Promise<void>): LayoutFiles {
  return {
    async readBytes(path) {
      return tar.get(path) ? tar.readBytes(path) : undefined;
    },
    stream: (path) => tar.stream(path),
    close: cleanup,
  };
}

const refNameKey = 'org.opencontainers.image.ref.name';

/** A content store over layout files. */
export async function layoutStore(
  files: LayoutFiles,
  description: string,
  refName: string | undefined,
): Promise<ContentStore> {
  const indexBytes = await files.readBytes('index.json');
  if (!indexBytes) {
    await files.close();
    throw new InputError(
      `${description} is not an OCI image layout (no index.json): check the path and the transport prefix (oci:, oci-archive:, docker-archive:)`,
    );
  }
  let index: { manifests?: unknown[] };
  try {
    index = JSON.parse(indexBytes.toString('utf8')) as typeof index;
  } catch {
    await files.close();
    throw new UserError(`${description}: index.json is not JSON`);
  }
  const entries = (index.manifests ?? []).map((m, i) =>
    checkDescriptor(m, `${description} index.json (entry ${i})`),
  );
  let chosen: Descriptor | undefined;
  if (refName !== undefined) {
    chosen = entries.find((e) => e.annotations?.[refNameKey] === refName);
    if (!chosen) {
      const names = entries.map((e) => e.annotations?.[refNameKey]).filter(Boolean);
      await files.close();
      throw new UserError(
        `${description} has no image named '${refName}'; it has: ${names.join(', ') || 'no named images'}`,
      );
    }
  } else if (entries.length === 1) {
    chosen = entries[0];
  } else if (entries.length === 0) {
    await files.close();
    throw new UserError(`${description} has no images (index.json lists none)`);
  }

  const blobPath = (d: Descriptor) =>
    `blobs/${d.digest.slice(0, d.digest.indexOf(':'))}/${digestHex(d.digest)}`;
  const readVerified = async (d: Descriptor): Promise<Buffer> => {
    const bytes = await files.readBytes(blobPath(d));
    if (!bytes)
      throw new UserError(`${description} is missing blob ${d.digest}: the layout is incomplete`);
    const actual = digestWithAlgorithmOf(d.digest, bytes);
    if (actual !== d.digest || bytes.length !== d.size) {
      throw new UserError(
        `${description}: blob ${d.digest} does not match its digest or size (got ${actual}, ${bytes.length} bytes); the layout is corrupt`,
      );
    }
    return bytes;
  };
  return {
    description,
    async root() {
      if (chosen)
        return {
          bytes: await readVerified(chosen),
          mediaType: chosen.mediaType,
          digest: chosen.digest,
        };
      return {
        bytes: indexBytes,
        mediaType: mediaTypes.ociIndex,
        digest: sha256Digest(indexBytes),
      };
    },
    manifest: readVerified,
    blobBytes: readVerified,
    async blob(d) {
      const path = blobPath(d);
      let raw: Readable;
      try {
        raw = files.stream(path);
      } catch {
        throw new UserError(`${description} is missing blob ${d.digest}: the layout is incomplete`);
      }
      const out = raw.pipe(verifyingStream(d.digest, d.size, `blob ${d.digest} in ${description}`));
      raw.on('error', (e: NodeJS.ErrnoException) =>
        out.destroy(
          e.code === 'ENOENT'
            ? new UserError(`${description} is missing blob ${d.digest}: the layout is incomplete`)
            : e,
        ),
      );
      return out;
    },
    close: () => files.close(),
  };
}

/** True when `dir` is a directory. */
export async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
