/**
 * A server may answer an upload (with an error) before it has read the body, and then stop
 * reading. The writer must be stopped then, or it (and the compression worker feeding it) waits
 * on the socket forever and the process never exits.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import { createAgents, readText, send } from '../src/transport/http';

let server: Server;
let url = '';
const agents = createAgents();

beforeAll(async () => {
  server = createServer((req, res) => {
    // answer at once and never read the body: the socket's buffers fill and writes stall
    req.pause();
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end('BLOB_UPLOAD_INVALID: refused before reading');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/x/blobs/uploads/1`;
});

afterAll(async () => {
  await agents.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

it('stops a body writer once the server has answered without reading the body', async () => {
  const piece = Buffer.alloc(1024 * 1024, 7);
  let written = 0;
  let writerEnded: (outcome: string) => void = () => undefined;
  const writerOutcome = new Promise<string>((resolve) => (writerEnded = resolve));
  const writer = async (sink: Writable): Promise<void> => {
    try {
      // far more than the socket buffers hold: without the stop, the last write never completes
      for (let i = 0; i < 256; i++) {
        await new Promise<void>((resolve, reject) => {
          if (sink.destroyed) reject(new Error('closed'));
          sink.once('close', () => reject(new Error('closed')));
          sink.write(piece, (e) => (e ? reject(e) : resolve()));
        });
        written++;
      }
      writerEnded('finished');
    } catch (e: unknown) {
      writerEnded(`stopped: ${(e as Error).message}`);
      throw e;
    }
  };
  const res = await send(agents.verifying, 'PATCH', url, {}, writer);
  expect(res.status).toBe(400);
  expect(await readText(res, 1000)).toContain('BLOB_UPLOAD_INVALID');
  const outcome = await Promise.race([
    writerOutcome,
    new Promise<string>((resolve) => setTimeout(() => resolve('still waiting'), 10_000).unref()),
  ]);
  expect(outcome).toMatch(/^stopped/);
  expect(written).toBeLessThan(256);
});
