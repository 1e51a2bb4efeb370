/**
 * Packs the `talos-kmod` CLI as an npm tarball users install with `npm install -g <tarball>`:
 * `packages/cli/{package.json,bin}` and a fresh bundle (`dist/talos-kmod.cjs`, every dependency
 * inside it) are staged in a temporary folder, and `npm pack` writes `talos-kmod-cli.tgz` there.
 * The tarball has no dependencies to fetch, so it installs offline. The release workflow attaches
 * it to the GitHub release; `npm run pack:cli -- <out-dir>` makes one locally.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleOne } from './bundle';

const root = resolve(import.meta.dirname, '..');
const cliDir = join(root, 'packages', 'cli');

/** The tarball's stable file name: release URLs (`…/releases/latest/download/…`) use it. */
export const cliTarballName = 'talos-kmod-cli.tgz';

/** Stages and packs the CLI; returns the tarball path (in `outDir`) and the version it carries. */
export async function packCli(outDir: string): Promise<{ tarball: string; version: string }> {
  const stage = mkdtempSync(join(tmpdir(), 'talos-kmod-pack-'));
  copyFileSync(join(cliDir, 'package.json'), join(stage, 'package.json'));
  cpSync(join(cliDir, 'bin'), join(stage, 'bin'), { recursive: true });
  copyFileSync(join(cliDir, 'README.md'), join(stage, 'README.md'));
  await bundleOne(join(cliDir, 'src', 'main.ts'), join(stage, 'dist', 'talos-kmod.cjs'));
  mkdirSync(outDir, { recursive: true });
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', outDir], {
    cwd: stage,
    encoding: 'utf8',
    env: { ...process.env, npm_config_ignore_scripts: 'true' },
  });
  const [info] = JSON.parse(out) as { filename: string; version: string }[];
  if (!info) throw new Error(`npm pack printed no result: ${out}`);
  const tarball = join(outDir, cliTarballName);
  renameSync(join(outDir, info.filename), tarball);
  return { tarball, version: info.version };
}

/** The CLI's version (packages/cli/package.json). */
export function cliPackageVersion(): string {
  return (JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8')) as { version: string })
    .version;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { tarball, version } = await packCli(resolve(process.argv[2] ?? '.'));
  console.log(`packed talos-kmod ${version}: ${tarball}`);
}
