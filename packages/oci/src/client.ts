/**
 * The registry client: verbs over typed references, after go-containerregistry's
 * `remote` package. Every manifest and blob read is checked against its digest.
 */
import type { Readable } from 'node:stream';
import { UserError, nullLogger, spawnExec, type ExecFn, type Logger } from '@talos-kmod/common';
import type { CredentialsOption } from './auth/docker-config';
import { downloadBlob } from './blob/download';
import type { ProgressEvent } from './blob/progress';
import { startUpload, uploadBlob, type BlobUpload } from './blob/upload';
import { manifestAccept } from './manifest/media-types';
import { parseManifest, type Descriptor, type ParsedManifest } from './manifest/types';
import { digestWithAlgorithmOf, isDigest, type Digest } from './reference/digest';
import {
  manifestIdentifier,
  withDigest,
  type PinnedReference,
  type Reference,
} from './reference/reference';
import { RegistryError } from './transport/errors';
import { discard, header } from './transport/http';
import {
  maxConfigBytes,
  maxManifestBytes,
  maxTagListBytes,
  resolveTimeouts,
  type Timeouts,
} from './transport/limits';
import { defaultRetryPolicy, type RetryPolicy } from './transport/retry';
import { RegistryTransport, type RegistryRequest } from './transport/transport';

/** How to reach registries. Every field is optional. */
export interface RegistryOptions {
  /** Hosts (`host:port`) reached over plain HTTP (or HTTPS without verification). Loopback is automatic. */
  insecureRegistries?: readonly string[];
  /**
   * Explicit credentials for one named registry host (`{ registry: 'ghcr.io', username,
   * password }`), or a function choosing per host. Every other host (and the function's
   * undefined) gets what the docker config holds: credentials never go to a host they were not
   * given for.
   */
  credentials?: CredentialsOption;
  /** Where `config.json` is (default `$DOCKER_CONFIG`, else `~/.docker`). */
  dockerConfigDir?: string;
  /** Extra CA certificate(s), PEM, trusted besides the system roots. */
  caCertificates?: string | Buffer;
  logger?: Logger;
  /** Bytes done/total per blob. */
  onProgress?: (e: ProgressEvent) => void;
  /** Retry policy for temporary failures (defaults: 5 attempts, 120 s). */
  retry?: Partial<RetryPolicy>;
  /** Runs credential helpers (default: spawn). */
  exec?: ExecFn;
  /** Upload large blobs in PATCH chunks of this many bytes (default: one streaming PATCH). */
  chunkSize?: number;
  /** Deadlines for reaching a registry and for each request (defaults: 30 s, 60 s, 120 s idle). */
  timeouts?: Partial<Timeouts>;
}

/** A manifest as fetched: its bytes, descriptor (media type, digest, size) and parsed form. */
export interface FetchedManifest {
  /** The reference pinned to the manifest's digest (tag kept). */
  reference: PinnedReference;
  descriptor: Descriptor;
  bytes: Buffer;
  parsed: ParsedManifest;
}

/** Verbs on one or more registries. Create with {@link createRegistryClient}; `close()` when done. */
export interface RegistryClient {
  /** The manifest descriptor for a tag or digest, or undefined when it does not exist. */
  head(ref: Reference): Promise<Descriptor | undefined>;
  /** Fetches a manifest or index, verified against its digest. */
  getManifest(ref: Reference): Promise<FetchedManifest>;
  /** Uploads a manifest under the reference's tag (or digest); returns its digest. */
  putManifest(ref: Reference, bytes: Buffer, mediaType: string): Promise<Digest>;
  /**
   * True when the repository has the blob; with `size`, only when the registry also says that
   * size (a bare 200 without it is no proof, and the blob is uploaded instead).
   */
  blobExists(ref: Reference, digest: Digest, size?: number): Promise<boolean>;
  /** Streams a blob, verified against `digest` (and `size`) as it flows. */
  getBlob(ref: Reference, blob: { digest: Digest; size?: number }): Promise<Readable>;
  /** Reads a small blob (a config, at most 8 MiB) into memory, verified. */
  getBlobBytes(ref: Reference, blob: { digest: Digest; size?: number }): Promise<Buffer>;
  /** Uploads a blob unless the repository has it (`knownMissing` skips the check); `'exists'` or `'uploaded'`. */
  putBlob(
    ref: Reference,
    blob: BlobUpload,
    options?: { knownMissing?: boolean },
  ): Promise<'exists' | 'uploaded'>;
  /** Tags of a repository (first page); undefined when the repository does not exist. */
  listTags(ref: Reference): Promise<string[] | undefined>;
  /** Mounts a blob from another repository of the same registry; false when the registry would not. */
  mountBlob(ref: Reference, digest: Digest, fromRepository: string): Promise<boolean>;
  /** The options this client was made with (for sources it opens). */
  readonly options: Readonly<RegistryOptions>;
  readonly logger: Logger;
  /** Closes pooled connections. */
  close(): Promise<void>;
}

class Client implements RegistryClient {
  readonly transport: RegistryTransport;
  readonly logger: Logger;

  constructor(readonly options: RegistryOptions) {
    this.logger = options.logger ?? nullLogger;
    const credentials = options.credentials;
    this.transport = new RegistryTransport({
      insecureRegistries: options.insecureRegistries ?? [],
      ...(credentials ? { credentials } : {}),
      ...(options.dockerConfigDir ? { dockerConfigDir: options.dockerConfigDir } : {}),
      ...(options.caCertificates ? { caCertificates: options.caCertificates } : {}),
      exec: options.exec ?? spawnExec,
      logger: this.logger,
      retry: { ...defaultRetryPolicy, ...options.retry },
      timeouts: resolveTimeouts(options.timeouts),
    });
  }

  /**
   * Runs a manifest request; registries answer MANIFEST_UNKNOWN for a tag in a repository that
   * does not exist too, and the tag list tells the two apart, so the message can say which name
   * is wrong.
   */
  private async manifestRequest<T>(ref: Reference, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (e: unknown) {
      if (e instanceof RegistryError && e.status === 404 && !e.codes.includes('NAME_UNKNOWN')) {
        if ((await this.listTags(ref).catch(() => [])) === undefined) {
          throw new RegistryError(notFoundMessage(ref, ['NAME_UNKNOWN']), {
            method: e.method,
            url: e.url,
            status: 404,
            codes: ['NAME_UNKNOWN'],
          });
        }
      }
      throw e;
    }
  }

  async listTags(ref: Reference): Promise<string[] | undefined> {
    const { response: res, bytes } = await this.transport.requestBytes(
      {
        registry: ref.registry,
        method: 'GET',
        path: `/v2/${ref.repository}/tags/list`,
        scopes: [`repository:${ref.repository}:pull`],
        expect: [200, 404],
        what: `list tags of ${ref.registry}/${ref.repository}`,
      },
      { limit: maxTagListBytes, what: 'a tag list', deadlineMs: this.transport.timeouts.requestMs },
    );
    if (res.status === 404) return undefined;
    let body: { tags?: unknown };
    try {
      body = JSON.parse(bytes.toString('utf8')) as { tags?: unknown };
    } catch {
      throw new RegistryError(
        `${ref.registry} sent a tag list for ${ref.repository} that is not JSON: the registry is misbehaving`,
        { method: 'GET', url: res.url, status: res.status },
      );
    }
    return Array.isArray(body?.tags) ? body.tags.map(String) : [];
  }

  private manifestRequestOf(ref: Reference, method: 'GET' | 'HEAD'): RegistryRequest {
    const id = manifestIdentifier(ref);
    return {
      registry: ref.registry,
      method,
      path: `/v2/${ref.repository}/manifests/${id}`,
      scopes: [`repository:${ref.repository}:pull`],
      headers: { accept: manifestAccept },
      expect: [200],
      what: `pull manifest ${ref.registry}/${ref.repository}${ref.digest ? `@${ref.digest}` : `:${id}`}`,
      notFound: (codes) => notFoundMessage(ref, codes),
    };
  }

  async head(ref: Reference): Promise<Descriptor | undefined> {
    try {
      const res = await this.manifestRequest(ref, () =>
        this.transport.request(this.manifestRequestOf(ref, 'HEAD')),
      );
      await discard(res);
      const digest = header(res, 'docker-content-digest');
      const mediaType = header(res, 'content-type')?.split(';')[0]?.trim() ?? '';
      const size = Number(header(res, 'content-length') ?? NaN);
      if (!digest || !isDigest(digest) || !Number.isFinite(size)) {
        const m = await this.getManifest(ref);
        return m.descriptor;
      }
      if (ref.digest && digest !== ref.digest) {
        throw new RegistryError(
          `${ref.registry} answered for ${ref.digest} with another digest (${digest}); the registry is misbehaving`,
          { method: 'HEAD', url: res.url, status: res.status },
        );
      }
      return { mediaType, digest, size };
    } catch (e: unknown) {
      if (e instanceof RegistryError && e.status === 404) return undefined;
      throw e;
    }
  }

  async getManifest(ref: Reference): Promise<FetchedManifest> {
    const { response: res, bytes } = await this.manifestRequest(ref, () =>
      this.transport.requestBytes(this.manifestRequestOf(ref, 'GET'), {
        limit: maxManifestBytes,
        what: 'a manifest',
        deadlineMs: this.transport.timeouts.requestMs,
      }),
    );
    const where = `manifest ${ref.toString()}`;
    const served = header(res, 'docker-content-digest');
    const expected = ref.digest ?? (served && isDigest(served) ? served : undefined);
    const actual = digestWithAlgorithmOf(expected ?? 'sha256:', bytes);
    if (expected && actual !== expected) {
      throw new RegistryError(
        `${where} does not match its digest: expected ${expected}, got ${actual}; the registry sent corrupt or altered content`,
        { method: 'GET', url: res.url, status: res.status },
      );
    }
    const parsed = parseManifest(bytes, where, header(res, 'content-type'));
    return {
      reference: withDigest(ref, actual),
      descriptor: { mediaType: parsed.mediaType, digest: actual, size: bytes.length },
      bytes,
      parsed,
    };
  }

  async putManifest(ref: Reference, bytes: Buffer, mediaType: string): Promise<Digest> {
    const digest = digestWithAlgorithmOf('sha256:', bytes);
    const id = ref.tag ?? ref.digest ?? digest;
    const res = await this.transport.request({
      registry: ref.registry,
      method: 'PUT',
      path: `/v2/${ref.repository}/manifests/${id}`,
      scopes: [`repository:${ref.repository}:pull,push`],
      headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
      body: () => bytes,
      expect: [200, 201, 202],
      what: `push manifest ${ref.registry}/${ref.repository}:${id}`,
    });
    await discard(res);
    const served = header(res, 'docker-content-digest');
    if (served && isDigest(served) && served !== digest) {
      this.logger.warning(
        `${ref.registry} reports digest ${served} for a manifest whose digest is ${digest}`,
      );
    }
    return digest;
  }

  async blobExists(ref: Reference, digest: Digest, size?: number): Promise<boolean> {
    const res = await this.transport.request({
      registry: ref.registry,
      method: 'HEAD',
      path: `/v2/${ref.repository}/blobs/${digest}`,
      scopes: [`repository:${ref.repository}:pull`],
      expect: [200, 404],
      followRedirects: true,
      what: `check blob ${digest} in ${ref.registry}/${ref.repository}`,
    });
    await discard(res);
    if (res.status !== 200) return false;
    if (size === undefined) return true;
    const length = header(res, 'content-length');
    if (length !== undefined && Number(length) === size) return true;
    this.logger.debug(
      `${ref.registry} answered HEAD for blob ${digest} without its size ${size} (content-length ${length ?? 'missing'}): uploading it`,
    );
    return false;
  }

  getBlob(ref: Reference, blob: { digest: Digest; size?: number }): Promise<Readable> {
    return downloadBlob(this.transport, ref, blob, this.options.onProgress);
  }

  async getBlobBytes(ref: Reference, blob: { digest: Digest; size?: number }): Promise<Buffer> {
    if (blob.size !== undefined && blob.size > maxConfigBytes) {
      throw new UserError(
        `blob ${blob.digest} is ${blob.size} bytes, more than the ${maxConfigBytes / 1024 / 1024} MiB an image config may have: the image is malformed`,
      );
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const stream = await this.getBlob(ref, blob);
    for await (const c of stream) {
      total += (c as Buffer).length;
      if (total > maxConfigBytes) {
        stream.destroy();
        throw new UserError(
          `blob ${blob.digest} is larger than the ${maxConfigBytes / 1024 / 1024} MiB an image config may have: the image is malformed`,
        );
      }
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks);
  }

  async putBlob(
    ref: Reference,
    blob: BlobUpload,
    options: { knownMissing?: boolean } = {},
  ): Promise<'exists' | 'uploaded'> {
    if (!options.knownMissing && (await this.blobExists(ref, blob.digest, blob.size))) {
      this.options.onProgress?.({
        operation: 'upload',
        digest: blob.digest,
        done: 0,
        total: blob.size,
        status: 'exists',
      });
      return 'exists';
    }
    await uploadBlob(this.transport, ref, blob, {
      ...(this.options.chunkSize ? { chunkSize: this.options.chunkSize } : {}),
      ...(this.options.onProgress ? { onProgress: this.options.onProgress } : {}),
    });
    return 'uploaded';
  }

  async mountBlob(ref: Reference, digest: Digest, fromRepository: string): Promise<boolean> {
    try {
      const started = await startUpload(this.transport, ref, digest, fromRepository);
      if (started.mounted) {
        this.options.onProgress?.({ operation: 'upload', digest, done: 0, status: 'mounted' });
        return true;
      }
      return false;
    } catch (e: unknown) {
      if (e instanceof RegistryError && !e.temporary && e.status !== 401) return false;
      throw e;
    }
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

/** The message for a manifest 404: a missing repository or a missing tag. */
export function notFoundMessage(ref: Reference, codes: readonly string[]): string {
  const name = `${ref.registry}/${ref.repository}`;
  if (codes.includes('NAME_UNKNOWN')) {
    return `repository ${name} does not exist: check the image name (and that you are logged in if it is private)`;
  }
  if (ref.digest) {
    return `manifest ${ref.digest} not found in ${name}: check the digest, or push the image first`;
  }
  return `tag '${ref.tag ?? 'latest'}' not found in ${name}: check the tag, or push the image first`;
}

/** Creates a registry client. */
export function createRegistryClient(options: RegistryOptions = {}): RegistryClient {
  return new Client(options);
}

/** The transport behind a client made by {@link createRegistryClient} (for internal verbs). */
export function transportOf(client: RegistryClient): RegistryTransport {
  if (!(client instanceof Client))
    throw new UserError('this registry client was not made by createRegistryClient');
  return client.transport;
}

/** The transport behind a client made by {@link createRegistryClient}, else undefined. */
export function transportOrUndefined(client: RegistryClient): RegistryTransport | undefined {
  return client instanceof Client ? client.transport : undefined;
}

/**
 * Resolves a tag to its digest: the reference pinned (`R/U/name:tag@sha256:…`). HEAD first,
 * GET when the registry does not say the digest. Throws a {@link UserError} naming the tag or
 * repository when it does not exist.
 */
export async function resolveDigest(
  ref: Reference,
  options: RegistryOptions = {},
): Promise<PinnedReference> {
  const client = createRegistryClient(options);
  try {
    const d = await client.head(ref);
    if (!d) {
      // HEAD does not carry error codes; GET tells a missing repository from a missing tag.
      await client.getManifest(ref);
      throw new UserError(notFoundMessage(ref, []));
    }
    return withDigest(ref, d.digest);
  } finally {
    await client.close();
  }
}
