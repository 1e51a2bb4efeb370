/**
 * `npm run demo`: the whole pipeline on this machine, end to end. Starts a local registry (and
 * dockerd when no engine answers), makes git checkouts of the fixture pkgs, extensions and talos
 * repositories (they keep the upstream Makefile interfaces; their recipes use the real Docker
 * engine, kbuild and sign-file), runs `talos-kmod pipeline` for the example module (hailort-pkg →
 * hailort), shows the pinned references and the verification, and stops what it started.
 * Run `./scripts/setup.sh` first.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@talos-kmod/cli';
import { createFixtureRepo, createTalosCheckout } from '../test/support/fixture-repos';
import { startRegistry } from '../test/support/registry';
import { waitFor } from '../test/support/ports';

function dockerAnswers(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

async function startDockerdIfNeeded(): Promise<ChildProcess | undefined> {
  if (dockerAnswers()) return undefined;
  console.error('demo: no Docker engine answers; starting dockerd (vfs, no iptables, no bridge)');
  const log = openSync(join(tmpdir(), 'talos-kmod-demo-dockerd.log'), 'a');
  const child = spawn('dockerd', ['--storage-driver=vfs', '--iptables=false', '--bridge=none'], {
    stdio: ['ignore', log, log],
  });
  await waitFor('dockerd', async () => dockerAnswers(), 60_000);
  return child;
}

const work = mkdtempSync(join(tmpdir(), 'talos-kmod-demo-'));
const dockerd = await startDockerdIfNeeded();
const registry = await startRegistry();
const repos = [createFixtureRepo('pkgs'), createFixtureRepo('extensions'), createTalosCheckout()];
const [pkgs, extensions, talos] = repos as [
  (typeof repos)[0],
  (typeof repos)[0],
  (typeof repos)[0],
];
let code = 1;
try {
  console.error(`demo: registry ${registry.host}; checkouts under ${tmpdir()}`);
  process.env.FIXTURE_BUILDKIT_CACHE = join(work, 'buildkit-cache');
  process.env.FIXTURE_KBUILD_CACHE = join(work, 'kbuild-cache');
  process.env.XDG_CACHE_HOME = join(work, 'cache');
  const argv = [
    'pipeline',
    '--pkgs',
    pkgs.dir,
    '--extensions',
    extensions.dir,
    '--talos',
    talos.dir,
    '--package',
    'hailort-pkg',
    '--extension',
    'hailort',
    '--module',
    'hailo_pci',
    '--registry',
    registry.host,
    '--owner',
    'demo',
    '--installer-ref',
    `${registry.host}/demo/installer:demo`,
    ...process.argv.slice(2),
  ];
  console.error(`demo: talos-kmod ${argv.join(' ')}\n`);
  code = await runCli(argv);
} finally {
  for (const r of repos) r.remove();
  await registry.stop();
  if (dockerd) dockerd.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
console.error(code === 0 ? '\ndemo: done' : `\ndemo: failed with exit code ${code}`);
process.exitCode = code;
