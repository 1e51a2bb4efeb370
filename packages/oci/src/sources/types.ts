/** What every image source offers: platforms, images, and their verified blobs. */
import type { Readable } from 'node:stream';
import type { Descriptor, ImageManifest } from '../manifest/types';
import type { Digest } from '../reference/digest';
import type { Platform } from '../reference/platform';

/** A byte range of a local file. */
export interface FileRange {
  path: string;
  offset: number;
  size: number;
}

/** One image (a single-platform manifest), with its config loaded and layers readable. */
export interface Image {
  /** Digest of the manifest as stored in the source (for docker archives: of the manifest this client writes for it). */
  readonly digest: Digest;
  readonly mediaType: string;
  /** The parsed manifest. */
  readonly manifest: ImageManifest;
  /** The manifest's exact bytes (pushing them keeps the digest). */
  readonly manifestBytes: Buffer;
  /** The parsed image config (`os`, `architecture`, `config`, `rootfs.diff_ids`, `history`…). */
  readonly config: unknown;
  readonly configBytes: Buffer;
  readonly configDescriptor: Descriptor;
  readonly platform?: Platform;
  /** Layer descriptors, bottom first. */
  readonly layers: readonly Descriptor[];
  /** Streams layer `index` as stored (compressed or not), verified against its digest as it flows. */
  openLayer(index: number): Promise<Readable>;
  /**
   * Where layer `index` lies in a local file, unverified, when the source is an archive on disk:
   * for readers that read and check it themselves (see {@link ContentStore.blobFile}).
   */
  layerFile?(index: number): FileRange | undefined;
  /** Where the blobs live when the source is a registry (cross-repository mounts). */
  readonly origin?: { registry: string; repository: string };
}

/** The index of a multi-platform source. */
export interface SourceIndex {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
  manifests: readonly Descriptor[];
}

/** An image source: a registry reference, a docker or OCI archive, or an OCI layout. */
export interface ImageSource {
  /** What was opened, for messages (`docker-archive:/tmp/x.tar`, `ghcr.io/acme/app:v1`). */
  readonly description: string;
  /** Platforms available (one for a single image; attestation entries are left out). */
  platforms(): Promise<Platform[]>;
  /**
   * The image for `platform`. Without one, the only image; for an index with several, a
   * UserError listing them.
   */
  image(platform?: Platform): Promise<Image>;
  /** The index when the source has one (after descending single-entry wrappers), else undefined. */
  index(): Promise<SourceIndex | undefined>;
  /** The image an index entry points at. */
  imageAt(descriptor: Descriptor): Promise<Image>;
  /** Releases connections and temporary files. */
  close(): Promise<void>;
}

/** Where a source's content comes from; every read is verified. */
export interface ContentStore {
  readonly description: string;
  /** The manifest or index the source names. */
  root(): Promise<{ bytes: Buffer; mediaType?: string; digest: Digest }>;
  /** A manifest by descriptor, verified. */
  manifest(d: Descriptor): Promise<Buffer>;
  /** A blob as a stream, verified while it flows. */
  blob(d: Descriptor): Promise<Readable>;
  /**
   * Where a blob lies in a local file, when it does: its bytes are NOT verified, so a reader
   * must check them against the descriptor's digest and size itself.
   */
  blobFile?(d: Descriptor): FileRange | undefined;
  /** A small blob in memory, verified. */
  blobBytes(d: Descriptor): Promise<Buffer>;
  readonly origin?: { registry: string; repository: string };
  close(): Promise<void>;
}
