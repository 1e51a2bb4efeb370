/**
 * @talos-kmod/oci: an OCI registry client and image sources (registries, docker/OCI archives, OCI
 * layouts), pushing, and a streaming file-system view of images. Knows nothing of Talos.
 */
export type { Namespace, PinnedReference, Reference, Tag } from './reference/reference';
export {
  atDigest,
  imageIn,
  isPinned,
  parseNamespace,
  parsePinnedReference,
  parseReference,
  parseTag,
  requirePinned,
  withDigest,
  withoutDigest,
  withTag,
  repositoryName,
} from './reference/reference';
export { isLoopbackHost } from './reference/host';
export type { Digest } from './reference/digest';
export { isDigest, parseDigest, sha256Digest } from './reference/digest';
export type { Platform } from './reference/platform';
export { parsePlatform, formatPlatform, platformMatches } from './reference/platform';
export { RegistryError } from './transport/errors';
export type { RetryPolicy } from './transport/retry';
export type { ProgressEvent } from './blob/progress';
export { DigestMismatchError } from './blob/verify';
export type { BlobUpload } from './blob/upload';
export type { Descriptor, ImageManifest, ImageIndex } from './manifest/types';
export { mediaTypes } from './manifest/media-types';
export type { RegistryOptions, RegistryClient, FetchedManifest } from './client';
export { createRegistryClient, resolveDigest } from './client';
export type { Image, ImageSource, SourceIndex } from './sources/types';
export type { ImageSpec, PathTransport } from './sources/image-spec';
export {
  formatImageSpec,
  imageSpecHint,
  parseImageSpec,
  refuseBareImageName,
  registryOf,
} from './sources/image-spec';
export { openImage } from './sources/open';
export type { PushOptions, PushResult } from './push/push';
export type { GzipLevel } from './push/compress';
export { push, pushIndex } from './push/push';
export type { FileChunks, ImageFile, WalkChunksOptions, WalkOptions } from './files/walk';
export { joinChunks, walkImageFileChunks, walkImageFiles } from './files/walk';
export { walkDirectoryFiles } from './files/directory';
export type { FileTree, FileTrees } from './files/file-trees';
export { openFileTrees } from './files/file-trees';
export type { CreateIndexOptions, CreateIndexResult, IndexEntry } from './push/create-index';
export { createIndex } from './push/create-index';
