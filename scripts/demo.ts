/**
 * `npm run demo`: the whole pipeline on this machine, end to end. Starts a local registry (and
 * dockerd when no engine answers), makes git checkouts of the fixture pkgs, extensions and talos
 * repositories (they keep the upstream Makefile interfaces; their recipes use the real Docker
 * engine, kbuild and sign-file), runs `talos-kmod pipeline` for the example module (hailort-pkg →
 * hailort), shows the pinned references and the verification, and stops what it started.
 * Run `./scripts/setup.sh` first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@talos-kmod/cli';
import { createFixtureRepo, createTalosCheckout } from '../test/support/fixture-repos';
import { startRegistry } from '../test/support/registry';
import { ensureDocker } from '../test/support/docker';

const work = mkdtempSync(join(tmpdir(), 'talos-kmod-demo-'));
const dockerd = await ensureDocker();
if (dockerd)
  console.error('demo: started dockerd (vfs, no iptables, no bridge); it stops at the end');
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
    '--username',
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
