/**
 * Filling in a new module's `Pkgfile` block: the checksums of its source tarball (64 MB of random
 * bytes, served on loopback by busybox httpd), two ways, in one run:
 *
 *   ours    `talos-kmod new-module … --dry-run` (download, sha256 + sha512 in one streaming pass,
 *           plan every pkgs and extensions edit, print the diff), the CLI bundled like a release
 *   manual  what the seed's reader does: `curl -L -o f URL && sha256sum f && sha512sum f`
 *           (the file edits by hand are not timed)
 *
 * Target: not slower than the manual commands. Run: `npm run bench -- new-module`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { inlineWorkerPrograms } from '../scripts/bundle';
import { report, timeCommand } from './_lib/measure';
import { freePort, waitFor } from '../test/support/ports';

const work = join(import.meta.dirname, '.work', 'new-module');
const runs = Number(process.env.BENCH_RUNS ?? 5);
const testdata = join(import.meta.dirname, '..', 'packages/talos/test/scaffold/testdata');

async function bundleCli(): Promise<string> {
  const out = join(work, 'talos-kmod.cjs');
  await build({
    entryPoints: [join(import.meta.dirname, '..', 'packages/cli/src/main.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    tsconfig: join(import.meta.dirname, '..', 'tsconfig.json'),
    logLevel: 'warning',
    plugins: [inlineWorkerPrograms],
  });
  return out;
}

async function main(): Promise<void> {
  rmSync(work, { recursive: true, force: true });
  const www = join(work, 'www', 'acme', 'widget', 'archive', 'refs', 'tags');
  mkdirSync(www, { recursive: true });
  writeFileSync(join(www, 'v1.2.3.tar.gz'), randomBytes(64 * 1024 * 1024));
  cpSync(join(testdata, 'main-branch', 'in'), join(work, 'checkouts'), { recursive: true });
  const cli = await bundleCli();
  const port = await freePort();
  const httpd = spawn(
    '/bin/busybox',
    ['httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', join(work, 'www')],
    {
      stdio: 'ignore',
    },
  );
  try {
    const url = `http://127.0.0.1:${port}/acme/widget/archive/refs/tags/v1.2.3.tar.gz`;
    await waitFor('busybox httpd', async () => (await fetch(url, { method: 'HEAD' })).ok);
    const ours = timeCommand(
      'ours (talos-kmod new-module --dry-run)',
      [
        'node',
        cli,
        'new-module',
        'widget',
        '--source',
        url.replace('1.2.3', '{version}'),
        '--version',
        '1.2.3',
        '--dep-name',
        'acme/widget',
        '--description',
        'Widget driver',
        '--author',
        'Acme',
        '--pkgs',
        join(work, 'checkouts', 'pkgs'),
        '--extensions',
        join(work, 'checkouts', 'extensions'),
        '--dry-run',
      ],
      { runs },
    );
    const file = join(work, 'download.tar.gz');
    const manual = timeCommand(
      'manual (curl + sha256sum + sha512sum)',
      `curl -sSfL -o '${file}' '${url}' && sha256sum '${file}' && sha512sum '${file}'`,
      { runs, before: () => rmSync(file, { force: true }) },
    );
    report('new-module', ours, [manual], { tarballMb: 64, runs });
  } finally {
    httpd.kill();
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
