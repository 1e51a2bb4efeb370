/**
 * Blob downloads: GET (following redirects to storage), verified against the digest while
 * streaming, and resumed with a `Range` request when the connection drops midway.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { Digest } from '../reference/digest';
import type { Reference } from '../reference/reference';
import { isTemporary } from '../transport/retry';
import type { RegistryTransport } from '../transport/transport';
import { throttledProgress, type ProgressEvent } from './progress';
import { verifyingStream } from './verify';

/** Opens a blob for reading; the stream errors if the bytes do not match `digest`/`size`. */
export async function downloadBlob(
  transport: RegistryTransport,
  ref: Reference,
  blob: { digest: Digest; size?: number },
  onProgress?: (e: ProgressEvent) => void,
): Promise<Readable> {
  const progress = throttledProgress(onProgress, {
    operation: 'download',
    digest: blob.digest,
    ...(blob.size !== undefined ? { total: blob.size } : {}),
  });
  const open = async (from: number) => {
    const res = await transport.request({
      registry: ref.registry,
      method: 'GET',
      path: `/v2/${ref.repository}/blobs/${blob.digest}`,
      scopes: [`repository:${ref.repository}:pull`],
      headers: from > 0 ? { range: `bytes=${from}-` } : {},
      expect: from > 0 ? [206] : [200],
      followRedirects: true,
      bulk: true,
      what: `pull blob ${blob.digest} from ${ref.registry}/${ref.repository}`,
      notFound: () =>
        `blob ${blob.digest} is missing from ${ref.registry}/${ref.repository}: the image is incomplete; push it again`,
    });
    return res.body;
  };
  const first = await open(0);
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const verify = verifyingStream(
    blob.digest,
    blob.size,
    `blob ${blob.digest} from ${ref.registry}/${ref.repository}`,
    (n) => progress.add(n),
  );
  verify.on('end', () => progress.finish());
  verify.pipe(out);
  verify.on('error', (e) => out.destroy(e));
  out.on('close', () => {
    if (!verify.writableEnded) verify.destroy();
  });
  void (async () => {
    let received = 0;
    let body: Readable = first;
    for (let resumes = 0; ;) {
      try {
        for await (const chunk of body) {
          received += (chunk as Buffer).length;
          if (!verify.write(chunk)) {
            await new Promise<void>((r) => {
              const done = () => {
                verify.off('drain', done);
                verify.off('close', done);
                r();
              };
              verify.on('drain', done);
              verify.on('close', done);
            });
          }
          if (out.destroyed || verify.destroyed) {
            body.destroy();
            return;
          }
        }
        verify.end();
        return;
      } catch (e: unknown) {
        const resumable =
          isTemporary(e) &&
          blob.size !== undefined &&
          received < blob.size &&
          resumes < transport.retry.attempts - 1;
        if (!resumable) {
          out.destroy(e as Error);
          return;
        }
        resumes++;
        transport.logger.debug(
          `pull ${blob.digest}: ${(e as Error).message}; resuming at byte ${received}`,
        );
        try {
          body = await open(received);
        } catch (e2: unknown) {
          out.destroy(e2 as Error);
          return;
        }
      }
    }
  })();
  return out;
}
