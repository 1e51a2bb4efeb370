/**
 * Real, compressible inputs for the push benchmark, made once under bench/.work/ (never
 * committed):
 * - the modules of the current Debian `linux-image-*-amd64` package (about 4,000 signed `.ko`,
 *   400 MB), downloaded with apt-get and unpacked with dpkg-deb, as one layer of an image built
 *   FROM scratch by the Docker engine and written by `docker save`;
 * - many small layers: the same modules cut into groups, one layer each;
 * - an installer-shaped image: Go binaries of this machine as the installer, and the package's
 *   real (compressed) vmlinuz with a zstd initramfs of modules under /usr/install/amd64, as
 *   Talos installer images lay them out.
 * The last two are written as `docker save` archives directly (manifest.json, config, layer
 * tars made by GNU tar), which `docker load` and skopeo read like any other.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { docker } from '../../test/support/docker';

/** A `docker save` archive and the tag `docker load` gives its image. */
export interface DockerArchive {
  archive: string;
  tag: string;
}

function sh(argv: readonly string[], cwd?: string): string {
  return execFileSync(argv[0] ?? '', argv.slice(1), {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
}

/** Downloads and unpacks the current generic amd64 kernel package once; returns its tree. */
export function debianKernelTree(work: string): { tree: string; release: string } {
  const deps = sh(['apt-cache', 'depends', 'linux-image-amd64']);
  const pkg = /Depends: (linux-image-([\w.+-]+-amd64))\b/.exec(deps);
  if (!pkg?.[1] || !pkg[2]) throw new Error(`cannot resolve linux-image-amd64:\n${deps}`);
  const tree = join(work, 'modules-tree');
  if (!existsSync(join(tree, `.${pkg[1]}`))) {
    rmSync(tree, { recursive: true, force: true });
    mkdirSync(tree, { recursive: true });
    if (!readdirSync(work).some((f) => f.startsWith(`${pkg[1]}_`) && f.endsWith('.deb'))) {
      sh(['apt-get', 'download', pkg[1]], work);
    }
    const deb = readdirSync(work).find((f) => f.startsWith(`${pkg[1]}_`) && f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${pkg[1]} left no .deb in ${work}`);
    sh(['dpkg-deb', '-x', join(work, deb), tree]);
    writeFileSync(join(tree, `.${pkg[1]}`), '');
  }
  return { tree, release: pkg[2] };
}

/** Every module file of the tree, sorted. */
function moduleFiles(tree: string): string[] {
  return sh(['find', join(tree, 'lib', 'modules'), '-name', '*.ko'])
    .trim()
    .split('\n')
    .sort();
}

/** One layer of all the modules, built by the Docker engine (`COPY lib /lib`) and saved. */
export function modulesImage(work: string): DockerArchive {
  const { tree, release } = debianKernelTree(work);
  const archive = join(work, `modules-${release}.tar`);
  const tag = `talos-kmod-bench/modules:${release}`;
  if (existsSync(archive)) return { archive, tag };
  writeFileSync(join(tree, 'Dockerfile'), 'FROM scratch\nCOPY lib /lib\n');
  writeFileSync(join(tree, '.dockerignore'), 'boot\nusr\n');
  docker(['build', '--no-cache', '-q', '-t', tag, tree]);
  docker(['save', '-o', `${archive}.tmp`, tag]);
  docker(['rmi', '-f', tag]);
  sh(['mv', `${archive}.tmp`, archive]);
  return { archive, tag };
}

const sha256File = (path: string): string =>
  `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;

/**
 * Writes a `docker save` archive whose layers are GNU tar archives of the given paths (relative
 * to `base`, one list per layer).
 */
function writeDockerSave(
  work: string,
  name: string,
  base: string,
  layers: readonly (readonly string[])[],
): DockerArchive {
  const archive = join(work, `${name}.tar`);
  const tag = `talos-kmod-bench/${name}:latest`;
  if (existsSync(archive)) return { archive, tag };
  const dir = join(work, `${name}-save`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  const diffIds: string[] = [];
  layers.forEach((paths, i) => {
    const list = join(work, `${name}-layer-${i}.list`);
    writeFileSync(list, `${paths.join('\n')}\n`);
    const layer = `layer-${i}.tar`;
    sh([
      'tar',
      '--sort=name',
      '--mtime=2025-01-01',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '-C',
      base,
      '-cf',
      join(dir, layer),
      '-T',
      list,
    ]);
    rmSync(list);
    names.push(layer);
    diffIds.push(sha256File(join(dir, layer)));
  });
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: {},
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map(() => ({ created_by: 'talos-kmod bench' })),
  });
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  writeFileSync(join(dir, configName), config);
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: names }]),
  );
  sh(['tar', '-C', dir, '-cf', archive, 'manifest.json', configName, ...names]);
  rmSync(dir, { recursive: true, force: true });
  return { archive, tag };
}

/** The modules cut into `count` layers of about equal file counts. */
export function manySmallLayersImage(work: string, count: number): DockerArchive {
  const { tree } = debianKernelTree(work);
  const files = moduleFiles(tree).map((f) => relative(tree, f));
  // every 4th module, so the image stays small-layered (~100 MB in all)
  const picked = files.filter((_, i) => i % 4 === 0);
  const per = Math.ceil(picked.length / count);
  const layers = Array.from({ length: count }, (_, i) => picked.slice(i * per, (i + 1) * per));
  return writeDockerSave(work, `small-layers-${count}`, tree, layers);
}

/**
 * An installer-shaped image: layer 1 the installer binaries (Go programs of this machine,
 * compressible), layer 2 `/usr/install/amd64/vmlinuz` (the package's real, compressed kernel)
 * and `initramfs.xz`-like `initramfs.zst` (a zstd cpio of a quarter of the modules).
 */
export function installerImage(work: string): DockerArchive {
  const { tree } = debianKernelTree(work);
  const base = join(work, 'installer-tree');
  if (!existsSync(join(base, '.done'))) {
    rmSync(base, { recursive: true, force: true });
    mkdirSync(join(base, 'usr', 'bin'), { recursive: true });
    mkdirSync(join(base, 'usr', 'install', 'amd64'), { recursive: true });
    for (const bin of ['containerd', 'docker', 'docker-registry', 'skopeo']) {
      copyFileSync(join('/usr/bin', bin), join(base, 'usr', 'bin', bin));
    }
    const vmlinuz = readdirSync(join(tree, 'boot')).find((f) => f.startsWith('vmlinuz-'));
    if (!vmlinuz) throw new Error(`no vmlinuz in ${join(tree, 'boot')}`);
    copyFileSync(join(tree, 'boot', vmlinuz), join(base, 'usr', 'install', 'amd64', 'vmlinuz'));
    const modules = moduleFiles(tree)
      .filter((_, i) => i % 4 === 1)
      .map((f) => relative(tree, f));
    const list = join(work, 'initramfs.list');
    writeFileSync(list, `${modules.join('\n')}\n`);
    const initramfs = join(base, 'usr', 'install', 'amd64', 'initramfs.zst');
    execFileSync('sh', [
      '-c',
      `cd "${tree}" && cpio -o -H newc --quiet < "${list}" | zstd -q -3 -T0 -o "${initramfs}"`,
    ]);
    writeFileSync(join(base, '.done'), '');
  }
  return writeDockerSave(work, 'installer', base, [
    ['usr/bin'],
    ['usr/install/amd64/vmlinuz', 'usr/install/amd64/initramfs.zst'],
  ]);
}
