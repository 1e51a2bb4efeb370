/**
 * GET over plain HTTP/1.1 on a raw socket, for blob downloads from plain-HTTP registries (loopback
 * and hosts the user listed as insecure). The socket reads straight into pooled pieces (node's
 * `onread` with a buffer per read) and the body is handed out as views of them, so downloading
 * touches no new memory per read and copies nothing; `node:http` reads into a new 64 KiB buffer
 * every time, which costs more than the transfer itself on machines with expensive page faults
 * (bench/README.md, oci-ls).
 *
 * One request per connection (`Connection: close`); bodies framed by Content-Length, chunked
 * transfer coding, or the end of the connection (RFC 9112 §6). Errors carry the codes the retry
 * logic knows: a connection closed early is `ECONNRESET`, a stall is `ETIMEDOUT`.
 */
import * as net from 'node:net';
import { Readable } from 'node:stream';
import { layerPieces, type PiecePool } from '../buffers/piece-pool';
import type { HttpResponse } from './http-response';

/** Options of {@link plainGet}. */
export interface PlainGetOptions {
  /** No bytes for this long fails the request (default 120 s). */
  timeoutMs?: number;
  /** No response head this long after the request was sent fails it (default 60 s). */
  deadlineMs?: number;
  /** Where pieces come from (default: the process's download pool). */
  pool?: PiecePool;
}

/** A network error with a code, like node's own. */
function networkError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Status line and headers of a response, parsed; `length` is the head's size in bytes. */
interface Head {
  status: number;
  headers: Record<string, string | string[]>;
  length: number;
}

const headLimit = 64 * 1024;

/** Parses a response head at the start of `bytes`, or returns undefined when it is incomplete. */
export function parseHead(bytes: Buffer): Head | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) {
    if (bytes.length > headLimit) {
      throw networkError(
        `the response headers are larger than ${headLimit} bytes`,
        'HPE_HEADER_OVERFLOW',
      );
    }
    return undefined;
  }
  const lines = bytes.toString('latin1', 0, end).split('\r\n');
  // RFC 9110 §15: three digits, the first 1-5
  const status = /^HTTP\/1\.[01] ([1-5]\d\d)(?: |$)/.exec(lines[0] ?? '');
  if (!status?.[1]) {
    throw networkError(
      `not an HTTP/1.1 response: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`,
      'HPE_INVALID_CONSTANT',
    );
  }
  const headers: Record<string, string | string[]> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) {
      throw networkError(
        `malformed response header: ${JSON.stringify(line.slice(0, 80))}`,
        'HPE_INVALID_HEADER_TOKEN',
      );
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prior = headers[name];
    if (name === 'set-cookie') headers[name] = [...((prior as string[] | undefined) ?? []), value];
    else headers[name] = prior === undefined ? value : `${prior as string}, ${value}`;
  }
  return { status: Number(status[1]), headers, length: end + 4 };
}

/**
 * Turns the raw body bytes of one piece into data, in place: data bytes move down to `dataEnd`,
 * framing is dropped. What a split line leaves undecoded stays at `raw`, for the next bytes.
 */
export class BodyDecoder {
  private state: 'size' | 'data' | 'crlf' | 'trailer' | 'done';
  private left: number;

  /** `length`: a Content-Length, 'chunked', or 'close' (the body ends with the connection). */
  constructor(readonly framing: number | 'chunked' | 'close') {
    this.state = framing === 'chunked' ? 'size' : framing === 0 ? 'done' : 'data';
    this.left = typeof framing === 'number' ? framing : Infinity;
  }

  /** True once the whole body has been decoded. */
  get done(): boolean {
    return this.state === 'done';
  }

  /**
   * Decodes `piece[raw, end)`, moving data to `piece[dataEnd, …)`. Returns the new `dataEnd` and
   * `raw` (the first byte not yet decoded, where a line is incomplete).
   */
  decode(
    piece: Buffer,
    dataEnd: number,
    raw: number,
    end: number,
  ): { dataEnd: number; raw: number } {
    while (raw < end && this.state !== 'done') {
      if (this.state === 'data') {
        const n = Math.min(this.left, end - raw);
        if (raw !== dataEnd) piece.copyWithin(dataEnd, raw, raw + n);
        dataEnd += n;
        raw += n;
        this.left -= n;
        if (this.left === 0) this.state = this.framing === 'chunked' ? 'crlf' : 'done';
        continue;
      }
      const nl = piece.indexOf(10, raw);
      if (nl < 0 || nl >= end) {
        if (end - raw > 4096) {
          throw networkError(
            'malformed chunked response body (a line of over 4 KiB)',
            'HPE_INVALID_CHUNK_SIZE',
          );
        }
        break;
      }
      const line = piece.toString('latin1', raw, nl).replace(/\r$/, '');
      raw = nl + 1;
      if (this.state === 'crlf') {
        if (line !== '') {
          throw networkError(
            'malformed chunked response body (no CRLF after a chunk)',
            'HPE_INVALID_CHUNK_SIZE',
          );
        }
        this.state = 'size';
      } else if (this.state === 'size') {
        const hex = line.split(';', 1)[0]?.trim() ?? '';
        if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) {
          throw networkError(
            `malformed chunked response body (chunk size ${JSON.stringify(hex.slice(0, 20))})`,
            'HPE_INVALID_CHUNK_SIZE',
          );
        }
        this.left = parseInt(hex, 16);
        this.state = this.left === 0 ? 'trailer' : 'data';
      } else if (line === '') {
        this.state = 'done';
      }
    }
    return { dataEnd, raw };
  }
}

/** How the body of `head` is framed (RFC 9112 §6.3, for a response to GET). */
function framingOf(head: Head): number | 'chunked' | 'close' {
  const te = head.headers['transfer-encoding'];
  if (typeof te === 'string' && te.toLowerCase().split(',').pop()?.trim() === 'chunked') {
    return 'chunked';
  }
  if (head.status === 204 || head.status === 304) return 0;
  if (te !== undefined) return 'close';
  const cl = head.headers['content-length'];
  if (typeof cl === 'string') {
    const n = /^\d+(\s*,\s*\d+)*$/.test(cl) ? Number(cl.split(',')[0]) : NaN;
    if (!Number.isSafeInteger(n) || !cl.split(',').every((v) => Number(v) === n)) {
      throw networkError(
        `invalid Content-Length ${JSON.stringify(cl)}`,
        'HPE_INVALID_CONTENT_LENGTH',
      );
    }
    return n;
  }
  return 'close';
}

/**
 * GETs `url` (http:) and resolves when the response head has arrived; the body streams views of
 * pooled pieces (at most one piece per push, each a piece's worth except the first and last).
 */
export function plainGet(
  url: URL,
  headers: Record<string, string>,
  options: PlainGetOptions = {},
): Promise<HttpResponse> {
  const pool = options.pool ?? layerPieces;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadlineMs = options.deadlineMs ?? 60_000;
  const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`];
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) {
      return Promise.reject(new TypeError(`invalid character in header ${JSON.stringify(name)}`));
    }
    if (name.toLowerCase() !== 'host' && name.toLowerCase() !== 'connection') {
      lines.push(`${name}: ${value}`);
    }
  }
  lines.push('Connection: close', '', '');

  return new Promise<HttpResponse>((resolve, reject) => {
    let piece = pool.take();
    let filled = 0;
    /** The body's data in the current piece: [bodyStart, dataEnd). */
    let bodyStart = 0;
    let dataEnd = 0;
    /** First byte not yet decoded. */
    let raw = 0;
    let head: Head | undefined;
    let decoder: BodyDecoder | undefined;
    let received = 0;
    let paused = false;
    let finished = false;

    const body = new Readable({
      highWaterMark: pool.size,
      read() {
        if (paused) {
          paused = false;
          socket.resume();
        }
      },
      destroy(error, callback) {
        finished = true;
        socket.destroy();
        callback(error);
      },
    });

    /** Hands out the body's data in the current piece. */
    const emit = (): void => {
      const view = piece.subarray(bodyStart, dataEnd);
      bodyStart = dataEnd;
      if (view.length === 0) return;
      received += view.length;
      if (!body.push(pool.share(view))) paused = true;
    };

    /** Moves to a new piece, keeping the bytes not decoded yet (half a chunk-size line). */
    const advance = (): void => {
      const old = piece;
      const carry = filled - raw;
      piece = pool.take();
      if (carry > 0) old.copy(piece, 0, raw, filled);
      pool.release(old);
      filled = carry;
      bodyStart = dataEnd = raw = 0;
    };

    /** The body is complete: hand out the rest and end it. */
    const end = (): void => {
      finished = true;
      emit();
      pool.release(piece);
      body.push(null);
      socket.destroy();
    };

    const fail = (e: Error): void => {
      clearTimeout(deadline);
      if (finished) return;
      finished = true;
      socket.destroy();
      pool.release(piece);
      // the caller gets the response a few promise turns after the head: let it listen first
      if (head) setImmediate(() => body.destroy(e));
      else reject(e);
    };

    const onRead = (n: number): boolean => {
      if (finished) return false;
      filled += n;
      try {
        while (!head) {
          const parsed = parseHead(piece.subarray(raw, filled));
          if (!parsed) {
            if (filled === piece.length)
              throw networkError('the response head is too large', 'HPE_HEADER_OVERFLOW');
            return true;
          }
          raw += parsed.length;
          if (parsed.status >= 100 && parsed.status < 200) continue; // 1xx: another head follows
          head = parsed;
          clearTimeout(deadline);
          decoder = new BodyDecoder(framingOf(parsed));
          bodyStart = dataEnd = raw;
          resolve({ status: parsed.status, headers: parsed.headers, body, url: url.toString() });
        }
        if (!decoder) return true;
        ({ dataEnd, raw } = decoder.decode(piece, dataEnd, raw, filled));
        if (decoder.done) {
          end();
          return false;
        }
        if (filled === piece.length) {
          if (raw === 0)
            throw networkError(
              'malformed response body (no progress in a whole piece)',
              'HPE_INVALID_CHUNK_SIZE',
            );
          emit();
          advance();
        }
      } catch (e: unknown) {
        fail(e as Error);
        return false;
      }
      return !paused;
    };

    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const socket = net.connect({
      host,
      port: Number(url.port || 80),
      onread: { buffer: () => piece.subarray(filled), callback: onRead },
    });
    socket.setNoDelay(true);
    const deadline = setTimeout(
      () =>
        fail(
          networkError(
            `${url.host} sent no answer within ${deadlineMs / 1000} s of the request`,
            'ETIMEDOUT',
          ),
        ),
      deadlineMs,
    );
    deadline.unref();
    socket.setTimeout(timeoutMs, () =>
      fail(networkError(`no data from ${url.host} for ${timeoutMs / 1000} s`, 'ETIMEDOUT')),
    );
    socket.on('connect', () => socket.write(lines.join('\r\n')));
    socket.on('error', (e) => fail(e));
    socket.on('close', () => {
      if (finished) return;
      if (decoder?.framing === 'close') {
        end();
        return;
      }
      const what = head
        ? `after ${received + (dataEnd - bodyStart)} bytes of the body${typeof decoder?.framing === 'number' ? ` (of ${decoder.framing})` : ''}`
        : 'before the response head';
      fail(networkError(`${url.host} closed the connection ${what}`, 'ECONNRESET'));
    });
  });
}
