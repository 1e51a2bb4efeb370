/**
 * Blob uploads (distribution spec "push"): POST to open a session (or mount from another
 * repository), then one monolithic PUT for small blobs or PATCH chunks and a closing PUT for large
 * ones. Chunks are buffered so a failed PATCH is resent without re-reading the source; an upload
 * session the registry has lost is restarted from the source.
 */
import type { Readable, Writable } from 'node:stream';
import { UserError } from '@talos-kmod/common';
import { URL } from 'node:url';
import type { Digest } from '../reference/digest';
import type { Reference } from '../reference/reference';
import { RegistryError, isRegistryError } from '../transport/errors';
import { discard, header } from '../transport/http';
import { withRetry } from '../transport/retry';
import type { RegistryTransport } from '../transport/transport';
import { throttledProgress, type ProgressEvent } from './progress';
import { verifyingStream } from './verify';

/** A blob to upload: its digest and size, and a way to read it (called again on a restart). */
export interface BlobUpload {
  digest: Digest;
  size: number;
  open(): Readable | Promise<Readable>;
  /**
   * The bytes were hashed by this process as they were written (a layer it compressed): skip
   * hashing them again on the way out. The registry still checks the digest.
   */
  trusted?: boolean;
}

/** Upload tuning. */
export interface UploadOptions {
  /**
   * Send blobs above 16 MiB in PATCH requests of this many bytes (each buffered, so a failed one is
   * resent alone). Default: one streaming PATCH per blob, restarted from the source on failure.
   */
  chunkSize?: number;
  onProgress?: (e: ProgressEvent) => void;
}

/** Default chunk size for uploads. */
export const defaultChunkSize = 16 * 1024 * 1024;

function scopesFor(ref: Reference, from?: string): string[] {
  const scopes = [`repository:${ref.repository}:pull,push`];
  if (from && from !== ref.repository) scopes.push(`repository:${from}:pull`);
  return scopes;
}

/**
 * Opens an upload session. With `mountFrom`, asks the registry to mount the blob from that
 * repository: `'mounted'` when it did, else a session location.
 */
export async function startUpload(
  transport: RegistryTransport,
  ref: Reference,
  digest?: Digest,
  mountFrom?: string,
): Promise<{ mounted: true } | { mounted: false; location: string }> {
  const params =
    mountFrom && digest
      ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mountFrom)}`
      : '';
  const res = await transport.request({
    registry: ref.registry,
    method: 'POST',
    path: `/v2/${ref.repository}/blobs/uploads/${params}`,
    scopes: scopesFor(ref, mountFrom),
    headers: { 'content-length': '0' },
    expect: [201, 202],
    what: `start an upload to ${ref.registry}/${ref.repository}`,
    notFound: () =>
      `${ref.registry} has no repository ${ref.repository} and would not create it: check the name, or create the repository first`,
  });
  await discard(res);
  if (res.status === 201 && mountFrom) return { mounted: true };
  const location = header(res, 'location');
  if (!location) {
    throw new RegistryError(`${ref.registry} opened an upload without a Location header`, {
      method: 'POST',
      url: res.url,
      status: res.status,
    });
  }
  return { mounted: false, location: new URL(location, res.url).toString() };
}

/** A registry that lost the upload session: start over from the source. */
function isLostSession(e: unknown): boolean {
  return (
    isRegistryError(e) &&
    (e.status === 404 ||
      e.status === 416 ||
      e.codes.includes('BLOB_UPLOAD_UNKNOWN') ||
      e.codes.includes('BLOB_UPLOAD_INVALID'))
  );
}

async function* chunksOf(stream: Readable, chunkSize: number): AsyncGenerator<Buffer> {
  let buffer = Buffer.allocUnsafe(chunkSize);
  let filled = 0;
  for await (const piece of stream) {
    let data = piece as Buffer;
    while (data.length > 0) {
      const n = Math.min(data.length, chunkSize - filled);
      data.copy(buffer, filled, 0, n);
      filled += n;
      data = data.subarray(n);
      if (filled === chunkSize) {
        yield buffer;
        buffer = Buffer.allocUnsafe(chunkSize);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}

function withDigestParam(location: string, digest: string): string {
  const u = new URL(location);
  u.searchParams.set('digest', digest);
  return u.toString();
}

async function uploadOnce(
  transport: RegistryTransport,
  ref: Reference,
  blob: BlobUpload,
  location: string,
  options: UploadOptions,
): Promise<void> {
  const chunkSize = options.chunkSize ?? defaultChunkSize;
  const progress = throttledProgress(options.onProgress, {
    operation: 'upload',
    digest: blob.digest,
    total: blob.size,
  });
  const what = `upload blob ${blob.digest.slice(0, 19)} to ${ref.registry}/${ref.repository}`;
  if (options.chunkSize === undefined && blob.size > chunkSize) {
    await streamOnce(transport, ref, blob, location, what, (n) => progress.add(n));
    progress.finish();
    return;
  }
  const opened = await blob.open();
  const source = opened.pipe(verifyingStream(blob.digest, blob.size, `blob ${blob.digest}`));
  opened.on('error', (e) => source.destroy(e));
  const scopes = scopesFor(ref);
  let offset = 0;
  let current = location;
  const patch = async (chunk: Buffer) => {
    const res = await transport.request({
      registry: ref.registry,
      method: 'PATCH',
      path: current,
      scopes,
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(chunk.length),
        'content-range': `${offset}-${offset + chunk.length - 1}`,
      },
      body: () => chunk,
      expect: [202, 204],
      what,
    });
    await discard(res);
    const next = header(res, 'location');
    if (next) current = new URL(next, current).toString();
    offset += chunk.length;
    progress.add(chunk.length);
  };
  // Full chunks go out as they fill; the short tail waits until the source has ended and its
  // digest was checked, so nothing is committed from a source that does not match.
  let tail: Buffer | undefined;
  for await (const chunk of chunksOf(source, chunkSize)) {
    if (chunk.length === chunkSize) await patch(chunk);
    else tail = chunk;
  }
  if (offset > 0 && tail) {
    await patch(tail);
    tail = undefined;
  }
  const body = tail ?? Buffer.alloc(0);
  const res = await transport.request({
    registry: ref.registry,
    method: 'PUT',
    path: withDigestParam(current, blob.digest),
    scopes,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(body.length) },
    body: () => body,
    expect: [201, 204],
    what,
  });
  await discard(res);
  progress.add(body.length);
  progress.finish();
}

/** One streaming PATCH with the whole blob (verified as it is read), then the closing PUT. */
async function streamOnce(
  transport: RegistryTransport,
  ref: Reference,
  blob: BlobUpload,
  location: string,
  what: string,
  onBytes: (n: number) => void,
): Promise<void> {
  const scopes = scopesFor(ref);
  let mismatch: unknown;
  const res = await transport
    .request({
      registry: ref.registry,
      method: 'PATCH',
      path: location,
      scopes,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
      body: async () => {
        const raw = await blob.open();
        if (blob.trusted) {
          raw.on('data', (c: Buffer) => onBytes(c.length));
          return raw;
        }
        const verify = verifyingStream(blob.digest, blob.size, `blob ${blob.digest}`, onBytes);
        verify.on('error', (e) => (mismatch = e));
        raw.on('error', (e) => verify.destroy(e));
        return raw.pipe(verify);
      },
      expect: [202, 204],
      what,
    })
    .catch((e: unknown) => {
      throw mismatch instanceof UserError ? mismatch : e;
    });
  await discard(res);
  const next = header(res, 'location');
  const current = next ? new URL(next, location).toString() : location;
  const done = await transport.request({
    registry: ref.registry,
    method: 'PUT',
    path: withDigestParam(current, blob.digest),
    scopes,
    headers: { 'content-length': '0' },
    expect: [201, 204],
    what,
  });
  await discard(done);
}

/**
 * Produces a blob's bytes by handing them to `emit`, in order, awaiting each (a buffer handed
 * over may be reused once its `emit` has resolved), and resolves with the sha256 digest and size
 * of everything it emitted: the producer hashes, off this thread when it can.
 */
export type BlobProducer = (
  emit: (bytes: Buffer) => Promise<void>,
) => Promise<{ digest: Digest; size: number }>;

/**
 * Uploads bytes whose digest is not known in advance (a layer compressed on the fly): one
 * streaming PATCH whose digest is computed on the way, then the closing PUT with it. Each piece
 * `produce` emits is written straight to the connection and its `emit` resolves once the socket
 * has taken it. `produce` is called again for each attempt; a lost session starts over.
 * `location`: a session {@link startUpload} already opened, used by the first attempt (so the
 * caller can open it while it waits for something else, such as a compression worker).
 */
export async function uploadProduced(
  transport: RegistryTransport,
  ref: Reference,
  produce: BlobProducer,
  onBytes?: (n: number) => void,
  location?: string,
): Promise<{ digest: Digest; size: number }> {
  const what = `upload a compressed layer to ${ref.registry}/${ref.repository}`;
  const scopes = scopesFor(ref);
  return withRetry(what, transport.retry, transport.logger, async (n) => {
    let session = n === 0 ? location : undefined;
    if (!session) {
      const started = await startUpload(transport, ref);
      if (started.mounted) throw new Error('a plain upload cannot be a mount');
      session = started.location;
    }
    let produced: Promise<{ digest: Digest; size: number }> | undefined;
    try {
      const res = await transport.request({
        registry: ref.registry,
        method: 'PATCH',
        path: session,
        scopes,
        headers: { 'content-type': 'application/octet-stream' },
        body: () => (sink: Writable) => {
          const mine = produce((bytes) => {
            onBytes?.(bytes.length);
            return writeTo(sink, bytes);
          });
          produced = mine;
          return mine.then(() => undefined);
        },
        expect: [202, 204],
        what,
      });
      await discard(res);
      if (!produced) throw new Error('the upload body was never produced');
      const { digest, size } = await produced;
      const next = header(res, 'location');
      const current = next ? new URL(next, session).toString() : session;
      const done = await transport.request({
        registry: ref.registry,
        method: 'PUT',
        path: withDigestParam(current, digest),
        scopes,
        headers: { 'content-length': '0' },
        expect: [201, 204],
        what,
      });
      await discard(done);
      return { digest, size };
    } catch (e: unknown) {
      throw restartable(e);
    }
  });
}

/**
 * Writes `bytes` to `sink`, resolving once the sink has taken them (for a request: handed to the
 * socket), rejecting when it fails or closes first.
 */
function writeTo(sink: Writable, bytes: Buffer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (sink.destroyed) {
      reject(new Error('the connection closed while the upload was being written'));
      return;
    }
    const onClose = (): void =>
      reject(new Error('the connection closed while the upload was being written'));
    sink.once('close', onClose);
    sink.write(bytes, (e) => {
      sink.off('close', onClose);
      if (e) reject(e);
      else resolve();
    });
  });
}

/** A lost upload session becomes a temporary error, so the caller's retry starts a new one. */
function restartable(e: unknown): unknown {
  if (!isLostSession(e)) return e;
  const err = e as RegistryError;
  return new RegistryError(err.message, {
    method: err.method,
    url: err.url,
    codes: err.codes,
    temporary: true,
    cause: e,
    ...(err.status !== undefined ? { status: err.status } : {}),
  });
}

/**
 * Uploads a blob; when the registry loses the session midway (after a connection reset the
 * session may be invalid), starts over with a new session and a fresh read of the source.
 */
export async function uploadBlob(
  transport: RegistryTransport,
  ref: Reference,
  blob: BlobUpload,
  options: UploadOptions & { location?: string } = {},
): Promise<void> {
  let location = options.location;
  await withRetry(`upload ${blob.digest}`, transport.retry, transport.logger, async (n) => {
    if (n > 0 || !location) {
      const started = await startUpload(transport, ref);
      if (started.mounted) return;
      location = started.location;
    }
    try {
      await uploadOnce(transport, ref, blob, location, options);
    } catch (e: unknown) {
      throw restartable(e);
    }
  });
}
