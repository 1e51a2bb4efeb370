/**
 * Support for the new-module tests: a loopback HTTP server that serves a real source tarball the
 * way GitHub does (a redirect from /archive to the file), captured CLI io, and copies of the
 * scaffold golden inputs (checkouts shaped like upstream pkgs and extensions).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { captureIo as captureCliIo, type CapturedIo } from '../support/cli';

export const scaffoldTestdata = resolve(
  import.meta.dirname,
  '../../packages/talos/test/scaffold/testdata',
);

/** A served tarball and the server's request log. */
export interface SourceServer {
  readonly base: string;
  readonly tarball: Buffer;
  readonly requests: string[];
  close(): Promise<void>;
}

/** Makes a small real tarball (`<top>/Makefile`, `<top>/widget.c`) with the system tar. */
export function makeSourceTarball(top = 'widget-1.2.3'): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'nm-src-'));
  mkdirSync(join(dir, top));
  writeFileSync(join(dir, top, 'Makefile'), 'obj-m += widget.o\n');
  writeFileSync(join(dir, top, 'widget.c'), '/* widget */\n');
  execFileSync('tar', ['-czf', join(dir, 'src.tar.gz'), '-C', dir, top]);
  return readFileSync(join(dir, 'src.tar.gz'));
}

/**
 * Serves `/<owner>/<repo>/archive/refs/tags/v1.2.3.tar.gz` as a 302 to `/codeload/…` (like
 * GitHub), the tarball there, and 404 for anything else.
 */
export async function startSourceServer(tarball = makeSourceTarball()): Promise<SourceServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '';
    requests.push(url);
    if (url === '/acme/widget/archive/refs/tags/v1.2.3.tar.gz') {
      res.writeHead(302, { location: '/codeload/acme/widget/tar.gz/refs/tags/v1.2.3' });
      res.end();
    } else if (url === '/codeload/acme/widget/tar.gz/refs/tags/v1.2.3') {
      res.writeHead(200, {
        'content-type': 'application/x-gzip',
        'content-length': tarball.length,
      });
      res.end(tarball);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not Found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    base: `http://127.0.0.1:${port}`,
    tarball,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** CLI io that captures stdout and stderr. */
/** Captured CLI streams with `cwd` as the working directory. */
export function captureIo(cwd = process.cwd()): CapturedIo {
  return captureCliIo({ cwd });
}
