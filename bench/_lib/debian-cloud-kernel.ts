/**
 * Debian's current cloud kernel package (linux-image-*-cloud-amd64, ~1,100 signed modules), as
 * `apt-cache depends linux-image-cloud-amd64` names it: downloaded with `apt-get download` and
 * unpacked with `dpkg-deb -x` once into bench/.work/kmod-modinfo/, shared by the benchmarks.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const downloads = join(resolve(import.meta.dirname, '..', '..'), 'bench', '.work', 'kmod-modinfo');

/** The package name, its unpacked tree and its kernel release (`lib/modules/<release>`). */
export function debianCloudKernel(): { pkg: string; tree: string; release: string } {
  const deps = execFileSync('apt-cache', ['depends', 'linux-image-cloud-amd64'], {
    encoding: 'utf8',
  });
  const pkg = /Depends: (linux-image-[\w.+-]+-cloud-amd64)\b/.exec(deps)?.[1];
  if (!pkg) throw new Error(`cannot resolve linux-image-cloud-amd64:\n${deps}`);
  const tree = join(downloads, pkg);
  if (!existsSync(join(tree, '.unpacked'))) {
    mkdirSync(tree, { recursive: true });
    execFileSync('apt-get', ['download', pkg], { cwd: downloads, stdio: 'inherit' });
    const deb = readdirSync(downloads).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${pkg} left no .deb in ${downloads}`);
    execFileSync('dpkg-deb', ['-x', join(downloads, deb), tree]);
    writeFileSync(join(tree, '.unpacked'), '');
  }
  const [release] = readdirSync(join(tree, 'lib', 'modules'));
  if (!release) throw new Error(`no kernel release under ${tree}/lib/modules`);
  return { pkg, tree, release };
}
