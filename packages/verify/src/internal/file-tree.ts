/**
 * What the verify engine reads: one file tree per platform of an image (registry reference,
 * archive, OCI layout) or a plain directory, walked once with contents only for wanted files.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '@talos-kmod/common';
import {
  formatPlatform,
  openImage,
  platformMatches,
  walkImageFileChunks,
  type FileChunks,
  type Image,
  type ImageFile,
  type ImageSource,
  type Platform,
  type RegistryOptions,
} from '@talos-kmod/oci';
import { directoryTree } from './directory-tree';

/** Options of one walk. */
export interface FileWalkOptions {
  /** Regular files whose content `onFile` needs. */
  want: (file: ImageFile) => boolean;
  /** Each entry in turn, with a wanted file's content as the pieces it was read in. Awaited. */
  onFile: (file: ImageFile, content?: FileChunks) => void | Promise<void>;
}

/** One file system: an image for one platform, or a directory. */
export interface FileTree {
  readonly description: string;
  readonly platform?: Platform;
  readonly digest?: string;
  walk(options: FileWalkOptions): Promise<void>;
}

/** An opened image or directory. */
export interface OpenedImage {
  readonly description: string;
  /** Platforms present (empty for a directory). */
  readonly platforms: readonly Platform[];
  /** True when the source is an index of several images. */
  readonly isIndex: boolean;
  /** The tree for `platform` (a directory ignores it); undefined when the index has no such platform. */
  tree(platform?: Platform): Promise<FileTree | undefined>;
  close(): Promise<void>;
}

function imageTree(description: string, image: Image): FileTree {
  return {
    description,
    ...(image.platform ? { platform: image.platform } : {}),
    digest: image.digest,
    walk: (options) => walkImageFileChunks(image, { want: options.want, onFile: options.onFile }),
  };
}

/** A directory to walk as files: `dir:PATH`, or an existing directory that is not an OCI layout. */
function plainDirectory(spec: string): string | undefined {
  if (spec.startsWith('dir:')) return resolve(spec.slice('dir:'.length));
  if (/^[a-z-]+:/.test(spec) && !/^[a-z-]+:[0-9]/.test(spec)) return undefined;
  if (!existsSync(spec) || !statSync(spec).isDirectory()) return undefined;
  return resolve(spec);
}

function isOciLayout(dir: string): boolean {
  return existsSync(join(dir, 'oci-layout')) && existsSync(join(dir, 'index.json'));
}

async function openSource(spec: string, registry: RegistryOptions): Promise<OpenedImage> {
  const source: ImageSource = await openImage(spec, registry);
  try {
    const index = await source.index();
    const platforms = await source.platforms();
    const single = index ? undefined : await source.image();
    return {
      description: source.description,
      platforms: single?.platform ? [single.platform] : platforms,
      isIndex: index !== undefined,
      tree: async (platform) => {
        if (single) return imageTree(source.description, single);
        const match = platform ? platforms.find((p) => platformMatches(platform, p)) : platforms[0];
        if (!match) return undefined;
        return imageTree(
          `${source.description} (${formatPlatform(match)})`,
          await source.image(match),
        );
      },
      close: () => source.close(),
    };
  } catch (e: unknown) {
    await source.close();
    throw e;
  }
}

/**
 * Opens `spec`: a plain directory (or `dir:PATH`), an OCI layout directory, or anything
 * `openImage` reads. Throws a {@link UserError} when it cannot be opened.
 */
export async function openFileTrees(
  spec: string,
  registry: RegistryOptions = {},
): Promise<OpenedImage> {
  const dir = plainDirectory(spec);
  if (dir && !spec.startsWith('dir:') && isOciLayout(dir))
    return openSource(`oci:${dir}`, registry);
  if (dir) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new UserError(
        `${spec}: ${dir} is not a directory; give an unpacked extension or rootfs directory`,
      );
    }
    const tree = directoryTree(dir);
    return {
      description: dir,
      platforms: [],
      isIndex: false,
      tree: async () => tree,
      close: async () => undefined,
    };
  }
  return openSource(spec, registry);
}
