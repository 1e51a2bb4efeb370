/**
 * The raw-socket GET for blob downloads, against a loopback TCP server that writes exact bytes:
 * every body framing, heads split anywhere, early closes and stalls, backpressure, and reuse of
 * the pieces it reads into.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { PiecePool } from '../src/buffers/piece-pool';
import { BodyDecoder, parseHead, plainGet } from '../src/transport/plain-get';
import { isTemporary } from '../src/transport/retry';
import { readPieces } from './read-pieces';

let server: Server | undefined;
const open = new Set<Socket>();

/** Starts a server that hands each connection and its request head to `handle`. */
async function serve(handle: (socket: Socket, request: string) => void): Promise<URL> {
  server = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    let request = '';
    const onData = (d: Buffer) => {
      request += d.toString('latin1');
      if (!request.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      handle(socket, request);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/a/blobs/x?n=1`);
}

afterEach(async () => {
  for (const s of open) s.destroy();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** Writes `parts` one at a time, each in its own TCP segment as far as timing allows. */
async function writeApart(socket: Socket, parts: readonly (Buffer | string)[]): Promise<void> {
  for (const p of parts) {
    await new Promise<void>((resolve) => socket.write(p, () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Cuts `data` at random places into 1..n pieces. */
function cut(data: Buffer, pieces: number): Buffer[] {
  const at = new Set<number>();
  while (at.size < Math.min(pieces - 1, data.length - 1)) {
    at.add(1 + Math.floor(Math.random() * (data.length - 1)));
  }
  const points = [0, ...[...at].sort((a, b) => a - b), data.length];
  return points.slice(1).map((end, i) => data.subarray(points[i], end));
}

/** The error a body ends with. */
function bodyError(body: Readable): Promise<Error> {
  return new Promise((resolve, reject) => {
    body.on('error', resolve);
    body.on('end', () => reject(new Error('the body ended without an error')));
    body.resume();
  });
}

describe('plainGet', () => {
  it('sends the request line, Host, the given headers and Connection: close', async () => {
    let seen = '';
    const url = await serve((socket, request) => {
      seen = request;
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const res = await plainGet(url, { authorization: 'Bearer t0ken', range: 'bytes=5-' });
    const pool = new PiecePool(64, 4);
    expect((await readPieces(res.body, pool)).data.toString()).toBe('ok');
    const lines = seen.split('\r\n');
    expect(lines[0]).toBe('GET /v2/a/blobs/x?n=1 HTTP/1.1');
    expect(lines).toContain(`Host: ${url.host}`);
    expect(lines).toContain('authorization: Bearer t0ken');
    expect(lines).toContain('range: bytes=5-');
    expect(lines).toContain('Connection: close');
  });

  it('reads a Content-Length body split anywhere into views of reused pieces', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const url = await serve((socket) => {
      const head = `HTTP/1.1 200 OK\r\nContent-Length: ${data.length}\r\nDocker-Content-Digest: x\r\n\r\n`;
      void writeApart(socket, [...cut(Buffer.from(head), 3), ...cut(data, 40)]);
    });
    const pool = new PiecePool(64 * 1024, 8);
    const res = await plainGet(url, {}, { pool });
    expect(res.status).toBe(200);
    expect(res.headers['docker-content-digest']).toBe('x');
    const got = await readPieces(res.body, pool);
    expect(got.data.equals(data)).toBe(true);
    expect(got.pooled).toBe(got.sizes.length);
    // 49 pieces' worth of body; given back as read, a handful of pieces serve them all
    expect(pool.allocated).toBeLessThanOrEqual(4);
  });

  it('decodes a chunked body (extensions, trailers, framing split anywhere)', async () => {
    const data = randomBytes(300_000);
    const framed: Buffer[] = [];
    for (let at = 0; at < data.length;) {
      const n = Math.min(data.length - at, 1 + Math.floor(Math.random() * 20_000));
      framed.push(Buffer.from(`${n.toString(16)}${at === 0 ? ';name=value' : ''}\r\n`));
      framed.push(data.subarray(at, at + n), Buffer.from('\r\n'));
      at += n;
    }
    framed.push(Buffer.from('0\r\nX-Trailer: t\r\n\r\n'));
    const url = await serve((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      void writeApart(socket, cut(Buffer.concat(framed), 200));
    });
    // pieces smaller than some chunks, so framing and data straddle piece boundaries
    const pool = new PiecePool(8 * 1024, 8);
    const res = await plainGet(url, {}, { pool });
    const got = await readPieces(res.body, pool);
    expect(got.data.equals(data)).toBe(true);
  });

  it('reads to the end of the connection when there is no length, and nothing for 204', async () => {
    const data = randomBytes(200_000);
    const url = await serve((socket, request) => {
      if (request.startsWith('GET /v2/a/blobs/x?n=1')) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n');
        void writeApart(socket, cut(data, 10)).then(() => socket.end());
      } else {
        socket.write('HTTP/1.1 204 No Content\r\n\r\n');
      }
    });
    const pool = new PiecePool(64 * 1024, 8);
    expect(
      (await readPieces((await plainGet(url, {}, { pool })).body, pool)).data.equals(data),
    ).toBe(true);
    const empty = await plainGet(new URL('/other', url), {}, { pool });
    expect(empty.status).toBe(204);
    expect((await readPieces(empty.body, pool)).data.length).toBe(0);
  });

  it('skips 1xx heads and keeps repeated headers as node does', async () => {
    const url = await serve((socket) => {
      socket.end(
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n' +
          'Vary: x\r\nVary: y\r\nContent-Length: 9\r\n\r\nnot found',
      );
    });
    const pool = new PiecePool(1024, 4);
    const res = await plainGet(url, {}, { pool });
    expect(res.status).toBe(404);
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(res.headers.vary).toBe('x, y');
    expect((await readPieces(res.body, pool)).data.toString()).toBe('not found');
  });

  it('fails a body the server cuts short with a temporary ECONNRESET that says how far it got', async () => {
    const url = await serve((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n');
      socket.end(Buffer.alloc(500, 1));
    });
    const res = await plainGet(url, {}, { pool: new PiecePool(256, 4) });
    const e = await bodyError(res.body);
    expect((e as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    expect(e.message).toContain('after 500 bytes of the body (of 1000)');
    expect(isTemporary(e)).toBe(true);
  });

  it('rejects when the connection closes before the head, or the head is not HTTP', async () => {
    const url = await serve((socket, request) => {
      if (request.includes('?n=1')) socket.end('HTTP/1.1 200 O');
      else socket.end('SSH-2.0-OpenSSH_9.2\r\n\r\n');
    });
    await expect(plainGet(url, {})).rejects.toMatchObject({
      code: 'ECONNRESET',
      message: expect.stringContaining('before the response head'),
    });
    await expect(plainGet(new URL('/x', url), {})).rejects.toMatchObject({
      code: 'HPE_INVALID_CONSTANT',
      message: expect.stringContaining('SSH-2.0'),
    });
  });

  it('fails a malformed chunk size, and a stalled body after the timeout', async () => {
    const url = await serve((socket, request) => {
      if (request.includes('?n=1')) {
        socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n');
      } else {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc');
      }
    });
    const bad = await plainGet(url, {});
    expect(await bodyError(bad.body)).toMatchObject({ code: 'HPE_INVALID_CHUNK_SIZE' });
    const stalled = await plainGet(new URL('/y', url), {}, { timeoutMs: 300 });
    const e = await bodyError(stalled.body);
    expect(e).toMatchObject({ code: 'ETIMEDOUT' });
    expect(isTemporary(e)).toBe(true);
  });

  it('stops reading while the consumer does not read, and closes when it gives up', async () => {
    const total = 64 * 1024 * 1024;
    let serverClosed: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (serverClosed = resolve));
    const url = await serve((socket) => {
      socket.on('close', () => serverClosed());
      socket.on('error', () => undefined);
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`);
      const block = Buffer.alloc(1024 * 1024, 3);
      const pump = () => {
        while (!socket.destroyed && socket.write(block));
      };
      socket.on('drain', pump);
      pump();
    });
    const pool = new PiecePool(64 * 1024, 8);
    const res = await plainGet(url, {}, { pool });
    await new Promise((resolve) => setTimeout(resolve, 500));
    // unread: the body holds about one piece and reading stopped; nothing near 64 MiB was taken
    expect(res.body.readableLength).toBeLessThanOrEqual(2 * 64 * 1024);
    expect(pool.allocated).toBeLessThanOrEqual(4);
    let read = 0;
    await new Promise<void>((resolve) => {
      res.body.on('data', (c: Buffer) => {
        read += c.length;
        if (read > 4 * 1024 * 1024) {
          res.body.destroy();
          resolve();
        }
      });
    });
    await closed;
  });

  it('refuses header values that would split the request', async () => {
    const url = await serve((socket) => socket.end());
    await expect(plainGet(url, { 'x-a': 'b\r\nHost: evil' })).rejects.toThrow(/invalid character/);
  });
});

describe('parseHead and BodyDecoder', () => {
  it('waits for a whole head and rejects one over 64 KiB', () => {
    expect(parseHead(Buffer.from('HTTP/1.1 200 OK\r\nA: b\r\n'))).toBeUndefined();
    expect(parseHead(Buffer.from('HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody'))?.length).toBe(25);
    expect(() => parseHead(Buffer.alloc(70_000, 0x41))).toThrow(/larger than 65536 bytes/);
  });

  it('decodes chunked framing in place, whatever the split', () => {
    const framed = Buffer.from('3\r\nabc\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n');
    for (let split = 1; split < framed.length; split++) {
      const piece = Buffer.from(framed);
      const d = new BodyDecoder('chunked');
      let { dataEnd, raw } = d.decode(piece, 0, 0, split);
      ({ dataEnd, raw } = d.decode(piece, dataEnd, raw, framed.length));
      expect(d.done).toBe(true);
      expect(piece.toString('latin1', 0, dataEnd)).toBe('abchello');
      expect(raw).toBe(framed.length);
    }
  });
});
