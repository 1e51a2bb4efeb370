/**
 * Installers opened with the real tools, as oracles for the tests: the go-containerregistry
 * tarball unpacked with `tar`, UKI sections dumped with `objcopy --dump-section`, initramfs
 * segments decompressed with `zstd`/`xz` and listed or unpacked with GNU `cpio`, squashfs images
 * read with `unsquashfs`. Nothing here uses the project's own readers.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { imagesScratch } from './images';

const exec = (cmd: string, args: readonly string[], input?: Buffer): Buffer =>
  execFileSync(cmd, [...args], { input, maxBuffer: 1024 * 1024 * 1024 });

/** An installer tarball unpacked: its config and each layer extracted to a directory. */
export interface UnpackedInstaller {
  readonly dir: string;
  readonly config: {
    architecture: string;
    config: { Entrypoint?: string[]; Env?: string[] };
    rootfs: { diff_ids: string[] };
  };
  /** One directory per layer, in order (the last is the imager's artifacts layer). */
  readonly layers: readonly string[];
}

/** Unpacks `installer-<arch>.tar` (go-containerregistry tarball) with tar. */
export function unpackInstaller(tarball: string): UnpackedInstaller {
  const dir = mkdtempSync(join(imagesScratch(), 'installer-'));
  exec('tar', ['-xf', tarball, '-C', dir]);
  const [entry] = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    Config: string;
    Layers: string[];
  }[];
  if (!entry) throw new Error(`${tarball}: manifest.json lists no image`);
  const layers = entry.Layers.map((name, i) => {
    const to = join(dir, `layer-${i}`);
    mkdirSync(to);
    exec('tar', [name.endsWith('.gz') ? '-xzf' : '-xf', join(dir, name), '-C', to]);
    return to;
  });
  const config = JSON.parse(
    readFileSync(join(dir, entry.Config), 'utf8'),
  ) as UnpackedInstaller['config'];
  return { dir, config, layers };
}

/** Section names of a PE file, from `objdump -h`. */
export function peSectionNames(file: string): string[] {
  const out = exec('objdump', ['-h', file]).toString('utf8');
  return [...out.matchAll(/^\s*\d+\s+(\.\S+)\s/gm)].map((m) => m[1] ?? '');
}

/** One section of a PE file, dumped with objcopy. */
export function peSection(file: string, name: string): Buffer {
  const out = join(mkdtempSync(join(imagesScratch(), 'section-')), 'data');
  exec('objcopy', [`--dump-section`, `${name}=${out}`, file, join(out + '.pe')]);
  return readFileSync(out);
}

/** `zstd` or `xz` by the stream's magic. */
export function compressionOf(bytes: Buffer): 'zstd' | 'xz' | 'none' {
  if (bytes.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return 'zstd';
  if (bytes.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  return 'none';
}

/**
 * The cpio archives of an initramfs whose segments are all compressed the same way (as the imager
 * writes them): the decompressor's output is the archives back to back, each padded by GNU cpio
 * to 512 bytes after its `TRAILER!!!` entry.
 */
export function initramfsArchives(initramfs: Buffer): Buffer[] {
  const kind = compressionOf(initramfs);
  const plain = kind === 'none' ? initramfs : exec(kind, ['-dc'], initramfs);
  const archives: Buffer[] = [];
  let start = 0;
  const trailer = Buffer.from('TRAILER!!!\0');
  while (start < plain.length) {
    const at = plain.indexOf(trailer, start);
    if (at < 0) throw new Error(`cpio archive at ${start} has no trailer`);
    const end = Math.ceil((at + trailer.length) / 512) * 512;
    archives.push(plain.subarray(start, end));
    start = end;
  }
  return archives;
}

/** Names in a newc archive, from `cpio -t`. */
export function cpioList(archive: Buffer): string[] {
  return exec('cpio', ['-t', '--quiet'], archive).toString('utf8').split('\n').filter(Boolean);
}

/** Unpacks a newc archive with `cpio -id` into a new directory. */
export function cpioExtract(archive: Buffer): string {
  const dir = mkdtempSync(join(imagesScratch(), 'cpio-'));
  execFileSync('cpio', ['-id', '--quiet', '--no-absolute-filenames'], { input: archive, cwd: dir });
  return dir;
}

/** Paths in a squashfs image, from `unsquashfs -lc` (files only, without the `squashfs-root/` prefix). */
export function squashfsFiles(image: string): string[] {
  return exec('unsquashfs', ['-lc', '-n', image])
    .toString('utf8')
    .split('\n')
    .filter((l) => l.startsWith('squashfs-root/'))
    .map((l) => l.slice('squashfs-root/'.length));
}

/** One file of a squashfs image, from `unsquashfs -cat`. */
export function squashfsCat(image: string, path: string): Buffer {
  return exec('unsquashfs', ['-cat', '-n', image, path]);
}

/** The compressor named by `unsquashfs -s`. */
export function squashfsCompression(image: string): string {
  const out = exec('unsquashfs', ['-s', image]).toString('utf8');
  return /^Compression (\S+)/m.exec(out)?.[1] ?? 'unknown';
}

/** Writes `bytes` to a new scratch file and returns its path. */
export function scratchFile(name: string, bytes: Buffer): string {
  const path = join(mkdtempSync(join(imagesScratch(), 'file-')), name);
  writeFileSync(path, bytes);
  return path;
}

/** Every file below `dir`, relative, sorted. */
export function filesBelow(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesBelow(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

const sha256Hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * A copy of the installer tarball `tarball` whose artifacts layer (the last) was changed by `edit`
 * (given the unpacked layer directory), written as a go-containerregistry tarball again with the
 * layer, its diff_id and the config recomputed. Returns the new tarball's path.
 */
export function rewriteInstaller(tarball: string, edit: (artifacts: string) => void): string {
  const unpacked = unpackInstaller(tarball);
  const artifacts = unpacked.layers.at(-1);
  if (!artifacts) throw new Error(`${tarball} has no layers`);
  edit(artifacts);
  const [entry] = JSON.parse(readFileSync(join(unpacked.dir, 'manifest.json'), 'utf8')) as {
    Config: string;
    RepoTags: string[] | null;
    Layers: string[];
  }[];
  if (!entry) throw new Error(`${tarball}: manifest.json lists no image`);
  const layerTar = exec('tar', ['--sort=name', '-C', artifacts, '-cf', '-', '.']);
  const layerGz = gzipSync(layerTar);
  const layerName = `${sha256Hex(layerGz)}.tar.gz`;
  const config = { ...unpacked.config };
  config.rootfs = {
    ...config.rootfs,
    diff_ids: [...config.rootfs.diff_ids.slice(0, -1), `sha256:${sha256Hex(layerTar)}`],
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configName = `sha256:${sha256Hex(configBytes)}`;
  const out = mkdtempSync(join(imagesScratch(), 'rewritten-'));
  const layers = [...entry.Layers.slice(0, -1), layerName];
  for (const name of entry.Layers.slice(0, -1))
    copyFileSync(join(unpacked.dir, name), join(out, name));
  writeFileSync(join(out, layerName), layerGz);
  writeFileSync(join(out, configName), configBytes);
  writeFileSync(
    join(out, 'manifest.json'),
    JSON.stringify([{ Config: configName, RepoTags: entry.RepoTags, Layers: layers }]),
  );
  const path = join(mkdtempSync(join(imagesScratch(), 'installer-tar-')), basename(tarball));
  exec('tar', ['-C', out, '-cf', path, configName, ...layers, 'manifest.json']);
  return path;
}

/**
 * Replaces the UKI's `.initrd` with `initrd` at the same address (objcopy cannot grow a PE section
 * in place: the section is removed, then added back).
 */
export function replaceUkiInitrd(uki: string, initrd: Buffer): void {
  const header = exec('objdump', ['-h', uki]).toString('utf8');
  const vma = /^\s*\d+\s+\.initrd\s+\S+\s+(\S+)/m.exec(header)?.[1];
  if (!vma) throw new Error(`${uki} has no .initrd section`);
  const without = `${uki}.without`;
  exec('objcopy', ['--remove-section', '.initrd', uki, without]);
  exec('objcopy', [
    '--add-section',
    `.initrd=${scratchFile('initrd', initrd)}`,
    '--change-section-vma',
    `.initrd=0x${vma}`,
    without,
    uki,
  ]);
  rmSync(without);
}

/** A newc archive of everything below `dir` (GNU cpio, as the imager writes them). */
export function cpioCreate(dir: string): Buffer {
  const list = filesBelowWithDirs(dir).join('\n') + '\n';
  return execFileSync('cpio', ['-H', 'newc', '-o', '--quiet', '-R', '+0:+0', '--reproducible'], {
    cwd: dir,
    input: list,
    maxBuffer: 1024 * 1024 * 1024,
  });
}

function filesBelowWithDirs(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    out.push(rel);
    if (e.isDirectory()) out.push(...filesBelowWithDirs(dir, rel));
  }
  return out.sort();
}

/** `zstd -c` of `bytes`. */
export function zstdCompress(bytes: Buffer): Buffer {
  return exec('zstd', ['-c', '-q', '-3'], bytes);
}

/**
 * Rewrites the extensions archive (the last initramfs segment) of the UKI in `artifacts`
 * (`usr/install/<arch>/vmlinuz.efi`): `edit` gets the unpacked archive's directory; the archives
 * are compressed again with zstd and put back into `.initrd`.
 */
export function editExtensionsArchive(
  artifacts: string,
  edit: (dir: string) => void,
  arch = 'amd64',
): void {
  const uki = join(artifacts, 'usr', 'install', arch, 'vmlinuz.efi');
  const archives = initramfsArchives(peSection(uki, '.initrd'));
  const last = archives.at(-1);
  if (!last || archives.length < 2) throw new Error(`${uki}: no extensions archive to edit`);
  const dir = cpioExtract(last);
  edit(dir);
  const rebuilt = [...archives.slice(0, -1), cpioCreate(dir)].map(zstdCompress);
  replaceUkiInitrd(uki, Buffer.concat(rebuilt));
}
