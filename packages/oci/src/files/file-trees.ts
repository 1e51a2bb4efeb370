/**
 * `openFileTrees(spec)`: what an {@link ImageSpec} names, as file systems to walk: one per platform
 * of an image or index, or the one a plain directory (`dir:`) is. Platforms are matched here, once
 * per request; a caller never matches them again.
 */
import { InputError, UserError } from '@talos-kmod/common';
import type { RegistryClient, RegistryOptions } from '../client';
import type { Descriptor } from '../manifest/types';
import type { Digest } from '../reference/digest';
import { formatPlatform, platformMatches, type Platform } from '../reference/platform';
import { formatImageSpec, type ImageSpec } from '../sources/image-spec';
import { isDirectory } from '../sources/layout-store';
import { openImage } from '../sources/open';
import { isAttestation } from '../sources/store-source';
import type { Image, ImageSource } from '../sources/types';
import { walkDirectoryFiles } from './directory';
import { walkImageFileChunks, type WalkChunksOptions } from './walk';

/** One file system: the image of one platform, or a directory. */
export interface FileTree {
  /** What it is, for messages: the source, with the platform for an index entry. */
  readonly description: string;
  readonly platform?: Platform;
  /** The image manifest's digest (none for a directory). */
  readonly digest?: Digest;
  /** Walks the merged file system (see {@link walkImageFileChunks}). */
  walk(options: WalkChunksOptions): Promise<void>;
}

/** The file systems of an opened spec. */
export interface FileTrees {
  readonly description: string;
  /** Platforms present: the index's, the single image's own, or none (a directory). */
  readonly platforms: readonly Platform[];
  /** True when the source is an index of several images. */
  readonly isIndex: boolean;
  /**
   * The trees for `wanted`, or for every platform without it. Throws a {@link UserError} naming
   * what the source has when nothing matches.
   */
  select(wanted?: Platform): Promise<FileTree[]>;
  /**
   * The tree for `platform` (the first platform's without it), or undefined when the source has
   * no such image. A directory, and an image that states no platform, serve every platform.
   */
  tree(platform?: Platform): Promise<FileTree | undefined>;
  /**
   * The one tree for `wanted`; without it, the only one. Throws a {@link UserError} when nothing
   * matches or an index has several platforms and none was asked for.
   */
  only(wanted?: Platform): Promise<FileTree>;
  close(): Promise<void>;
}

function imageTree(description: string, image: Image): FileTree {
  return {
    description,
    ...(image.platform ? { platform: image.platform } : {}),
    digest: image.digest,
    walk: (options) => walkImageFileChunks(image, options),
  };
}

async function directoryTrees(spec: ImageSpec & { transport: 'dir' }): Promise<FileTrees> {
  if (!(await isDirectory(spec.path))) {
    throw new InputError(
      `${formatImageSpec(spec)}: ${spec.path} is not a directory; give an unpacked extension or rootfs directory`,
    );
  }
  const tree: FileTree = {
    description: spec.path,
    walk: (options) => walkDirectoryFiles(spec.path, options),
  };
  return {
    description: spec.path,
    platforms: [],
    isIndex: false,
    select: async () => [tree],
    tree: async () => tree,
    only: async () => tree,
    close: async () => undefined,
  };
}

function singleImageTrees(source: ImageSource, image: Image): FileTrees {
  const tree = imageTree(source.description, image);
  const own = image.platform;
  const serves = (p: Platform | undefined) => !p || !own || platformMatches(p, own);
  const select = async (wanted?: Platform): Promise<FileTree[]> => {
    if (serves(wanted)) return [tree];
    throw new UserError(
      `${source.description} is a single image for ${formatPlatform(own as Platform)}, not ${formatPlatform(wanted as Platform)}: drop the platform or give the image built for ${formatPlatform(wanted as Platform)}`,
    );
  };
  return {
    description: source.description,
    platforms: own ? [own] : [],
    isIndex: false,
    select,
    tree: async (platform) => (serves(platform) ? tree : undefined),
    only: async (wanted) => (await select(wanted))[0] as FileTree,
    close: () => source.close(),
  };
}

/** An index entry that is an image, with its platform normalised (none when the index omits it). */
interface Entry {
  readonly descriptor: Descriptor;
  readonly platform?: Platform;
}

function entryOf(d: Descriptor): Entry {
  const p = d.platform;
  if (!p) return { descriptor: d };
  const platform: Platform = p.variant
    ? { os: p.os, architecture: p.architecture, variant: p.variant }
    : { os: p.os, architecture: p.architecture };
  return { descriptor: d, platform };
}

function indexTrees(source: ImageSource, manifests: readonly Descriptor[]): FileTrees {
  const entries = manifests.filter((d) => !isAttestation(d)).map(entryOf);
  const withPlatform = entries.filter((e) => e.platform);
  const platforms = withPlatform.map((e) => e.platform as Platform);
  const listed = entries
    .map((e) => (e.platform ? formatPlatform(e.platform) : e.descriptor.digest))
    .join(', ');
  const loaded = new Map<Descriptor, Promise<FileTree>>();
  const load = (e: Entry): Promise<FileTree> => {
    let tree = loaded.get(e.descriptor);
    if (!tree) {
      const what = e.platform ? formatPlatform(e.platform) : e.descriptor.digest;
      tree = source
        .imageAt(e.descriptor)
        .then((image) => imageTree(`${source.description} (${what})`, image));
      loaded.set(e.descriptor, tree);
    }
    return tree;
  };
  const find = (wanted: Platform) =>
    withPlatform.find((e) => platformMatches(wanted, e.platform as Platform));
  const select = async (wanted?: Platform): Promise<FileTree[]> => {
    if (withPlatform.length === 0) {
      throw new UserError(
        `${source.description} is an index without platform images (only attestations or nothing): point at an image or an index of images`,
      );
    }
    if (!wanted) return Promise.all(withPlatform.map(load));
    const entry = find(wanted);
    if (!entry) {
      throw new UserError(
        `${source.description} has no ${formatPlatform(wanted)} image (it has ${listed}): pick one of those platforms`,
      );
    }
    return [await load(entry)];
  };
  return {
    description: source.description,
    platforms,
    isIndex: true,
    select,
    only: async (wanted) => {
      if (!wanted && entries.length === 1) return load(entries[0] as Entry);
      if (!wanted && entries.length > 1) {
        throw new UserError(
          `${source.description} is a multi-platform index (${listed}): choose one with a platform (e.g. --platform linux/amd64)`,
        );
      }
      return (await select(wanted))[0] as FileTree;
    },
    tree: async (platform) => {
      const entry = platform ? find(platform) : withPlatform[0];
      return entry ? load(entry) : undefined;
    },
    close: () => source.close(),
  };
}

/**
 * Opens `spec` as file trees. Registry sources use a client made with `options` (closed by
 * `close()`), or `options.client`. Throws a {@link UserError} when it cannot be opened.
 */
export async function openFileTrees(
  spec: ImageSpec,
  options: RegistryOptions & { client?: RegistryClient } = {},
): Promise<FileTrees> {
  if (spec.transport === 'dir') return directoryTrees(spec);
  const source = await openImage(spec, options);
  try {
    const index = await source.index();
    return index
      ? indexTrees(source, index.manifests)
      : singleImageTrees(source, await source.image());
  } catch (e: unknown) {
    await source.close();
    throw e;
  }
}
