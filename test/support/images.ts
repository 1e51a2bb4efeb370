/**
 * Test images of the Talos chain, built from files without Docker: layers are tar archives written
 * with tar-stream (exact modes and types, world-writable files and FIFOs included) and gzipped, then
 * assembled into an OCI image layout by hand. From a layout, tests get every form a user has:
 *
 * - `writeOciLayout(dir, images)` → `oci:DIR` (one image, or an index of several platforms)
 * - `writeOciArchive(path, images)` → `oci-archive:PATH` (the layout as a tar)
 * - `writeDockerArchive(path, image)` → `docker-archive:PATH` (manifest.json + config + layers)
 * - `pushLayout(dir, registryHost, repo, tag)` → pushed with skopeo (an independent client) to
 *   the test registry; returns `host/repo:tag@sha256:…`
 * - `writeDirectory(dir, files)` → a plain directory with the same files and modes
 *
 * Talos-shaped content (real signed modules from test/support/modules.ts go in as files):
 *
 * - `extensionFiles({...})`: `manifest.yaml` + `rootfs/usr/lib/modules/<kver>/…` (+ udev rules,
 *   firmware)
 * - `modulePackageFiles({...})`: a pkgs module package (`usr/lib/modules/<kver>/…`, firmware,
 *   rules)
 * - `kernelImageFiles({...})`: `boot/vmlinuz` + in-tree modules under `usr/lib/modules/<kver>/`
 * - `withVermagicRelease(module, release)`: a copy of an unsigned module whose `.modinfo` vermagic
 *   names another release of the same length (sign it afterwards)
 *
 * Everything goes to a per-process temporary directory from `imagesScratch()`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { chmod, link, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

const run = promisify(execFile);

/** One entry of a test image. */
export interface TestFile {
  /** Relative path without a leading `/`. */
  path: string;
  /** Default: 'file' (or 'directory' when the path ends with '/'). */
  type?: 'file' | 'directory' | 'symlink' | 'hardlink' | 'fifo' | 'char';
  /** File content, or the path of a file on disk to copy (`{ from }`). */
  content?: string | Buffer | { from: string };
  /** Permission bits; default 0644 for files, 0755 for directories, 0777 for symlinks. */
  mode?: number;
  linkTarget?: string;
}

/** One image of a layout: its platform and layers (bottom first), each a list of files. */
export interface TestImage {
  platform?: { os: string; architecture: string; variant?: string };
  layers: TestFile[][];
}

let scratch: string | undefined;
/** A per-process scratch directory for layouts, archives and directories. */
export function imagesScratch(): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'talos-kmod-images-'));
  return scratch;
}

/** A new empty directory under the scratch directory. */
export function newDir(prefix: string): string {
  return mkdtempSync(join(imagesScratch(), `${prefix}-`));
}

function contentOf(f: TestFile): Buffer {
  const c = f.content;
  if (c === undefined) return Buffer.alloc(0);
  if (typeof c === 'string') return Buffer.from(c);
  if (Buffer.isBuffer(c)) return c;
  return readFileSync(c.from);
}

function typeOf(f: TestFile): NonNullable<TestFile['type']> {
  return f.type ?? (f.path.endsWith('/') ? 'directory' : 'file');
}

function defaultMode(type: NonNullable<TestFile['type']>): number {
  return type === 'directory' ? 0o755 : type === 'symlink' ? 0o777 : 0o644;
}

/** A tar (uncompressed) of `files`, parents first in the order given. */
export async function tarLayer(files: readonly TestFile[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (b: unknown) => chunks.push(b as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', () => resolve());
    p.on('error', reject);
  });
  const mtime = new Date('2025-01-01T00:00:00Z');
  for (const f of files) {
    const type = typeOf(f);
    const name = f.path.replace(/\/$/, '');
    const header = {
      name,
      mode: f.mode ?? defaultMode(type),
      mtime,
      uid: 0,
      gid: 0,
      type: (type === 'char' ? 'character-device' : type === 'hardlink' ? 'link' : type) as
        'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device',
      ...(type === 'symlink' || type === 'hardlink' ? { linkname: f.linkTarget ?? '' } : {}),
      ...(type === 'char' ? { devmajor: 1, devminor: 3 } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      const cb = (e?: Error | null) => (e ? reject(e) : resolve());
      if (type === 'file') p.entry(header, contentOf(f), cb);
      else p.entry({ ...header, size: 0 }, cb);
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Blob {
  digest: string;
  size: number;
  bytes: Buffer;
}

function blob(bytes: Buffer): Blob {
  return { digest: sha256(bytes), size: bytes.length, bytes };
}

interface BuiltImage {
  manifest: Blob;
  config: Blob;
  layers: Blob[];
  diffIds: string[];
  platform: { os: string; architecture: string; variant?: string };
}

async function buildImage(image: TestImage): Promise<BuiltImage> {
  const platform = image.platform ?? { os: 'linux', architecture: 'amd64' };
  const tars = await Promise.all(image.layers.map((l) => tarLayer(l)));
  const layers = tars.map((t) => blob(gzipSync(t)));
  const diffIds = tars.map(sha256);
  const config = blob(
    Buffer.from(
      JSON.stringify({
        architecture: platform.architecture,
        os: platform.os,
        ...(platform.variant ? { variant: platform.variant } : {}),
        config: {},
        rootfs: { type: 'layers', diff_ids: diffIds },
        history: layers.map(() => ({ created_by: 'talos-kmod test/support/images.ts' })),
      }),
    ),
  );
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: config.digest,
          size: config.size,
        },
        layers: layers.map((l) => ({
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: l.digest,
          size: l.size,
        })),
      }),
    ),
  );
  return { manifest, config, layers, diffIds, platform };
}

async function writeBlob(dir: string, b: Blob): Promise<void> {
  await writeFile(join(dir, 'blobs', 'sha256', b.digest.slice('sha256:'.length)), b.bytes);
}

/**
 * Writes an OCI image layout: one image, or (several images) an image index with one manifest per
 * platform; `index.json` names it `tag` (org.opencontainers.image.ref.name). Returns `dir`.
 */
export async function writeOciLayout(
  dir: string,
  images: readonly TestImage[],
  tag = 'latest',
): Promise<string> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const built = await Promise.all(images.map(buildImage));
  for (const b of built)
    for (const x of [b.manifest, b.config, ...b.layers]) await writeBlob(dir, x);
  const annotations = { 'org.opencontainers.image.ref.name': tag };
  let top: { mediaType: string; digest: string; size: number };
  const only = built[0];
  if (built.length === 1 && only) {
    top = {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: only.manifest.digest,
      size: only.manifest.size,
    };
  } else {
    const index = blob(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: built.map((b) => ({
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: b.manifest.digest,
            size: b.manifest.size,
            platform: b.platform,
          })),
        }),
      ),
    );
    await writeBlob(dir, index);
    top = {
      mediaType: 'application/vnd.oci.image.index.v1+json',
      digest: index.digest,
      size: index.size,
    };
  }
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ ...top, annotations }] }),
  );
  return dir;
}

/** The layout as a tar file (`oci-archive:`). Returns `path`. */
export async function writeOciArchive(
  path: string,
  images: readonly TestImage[],
  tag = 'latest',
): Promise<string> {
  const dir = await writeOciLayout(newDir('oci-archive'), images, tag);
  await run('tar', ['-C', dir, '-cf', path, '.']);
  return path;
}

/** A docker-archive (`docker save` format, as the Talos imager writes installers). Returns `path`. */
export async function writeDockerArchive(
  path: string,
  image: TestImage,
  repoTag = 'example.com/test:latest',
): Promise<string> {
  const built = await buildImage(image);
  const dir = newDir('docker-archive');
  const configName = `${built.config.digest.slice('sha256:'.length)}.json`;
  await writeFile(join(dir, configName), built.config.bytes);
  const layerNames: string[] = [];
  for (const l of built.layers) {
    const name = `${l.digest.slice('sha256:'.length)}.tar.gz`;
    await writeFile(join(dir, name), l.bytes);
    layerNames.push(name);
  }
  await writeFile(
    join(dir, 'manifest.json'),
    JSON.stringify([{ Config: configName, RepoTags: [repoTag], Layers: layerNames }]),
  );
  await run('tar', ['-C', dir, '-cf', path, '.']);
  return path;
}

/**
 * Pushes the layout in `dir` (tag `tag`) to `host/repo:tag` with `skopeo copy --all` over plain
 * HTTP and returns the pinned reference `host/repo:tag@sha256:…`.
 */
export async function pushLayout(
  dir: string,
  host: string,
  repo: string,
  tag = 'latest',
): Promise<string> {
  const digestFile = join(newDir('digest'), 'digest');
  await run('skopeo', [
    'copy',
    '--all',
    '--quiet',
    '--dest-tls-verify=false',
    '--digestfile',
    digestFile,
    `oci:${dir}:${tag}`,
    `docker://${host}/${repo}:${tag}`,
  ]);
  const digest = (await readFile(digestFile, 'utf8')).trim();
  return `${host}/${repo}:${tag}@${digest}`;
}

/** Writes `files` as a plain directory, with their modes (FIFOs via mkfifo; char devices skipped). */
export async function writeDirectory(dir: string, files: readonly TestFile[]): Promise<string> {
  for (const f of files) {
    const type = typeOf(f);
    const path = join(dir, f.path);
    await mkdir(type === 'directory' ? path : dirname(path), { recursive: true });
    if (type === 'file') await writeFile(path, contentOf(f));
    if (type === 'symlink') await symlink(f.linkTarget ?? '', path);
    if (type === 'hardlink') await link(join(dir, f.linkTarget ?? ''), path);
    if (type === 'fifo') await run('mkfifo', [path]);
    if (type !== 'symlink' && type !== 'char' && type !== 'hardlink') {
      await chmod(path, f.mode ?? defaultMode(type));
    }
  }
  return dir;
}

/** A module to place: its built file and where under `<modules root>/<kver>/` it goes. */
export interface PlacedModule {
  /** Path of the `.ko` on disk (e.g. from signModule). */
  file: string;
  /** Path below `<kver>/`, e.g. `kernel/drivers/misc/hailo_pci.ko` or `extras/x.ko`. */
  at: string;
  /** Kernel release directory (default: the options' kernelRelease). */
  release?: string;
}

/** What a module package or extension holds. */
export interface PackageContent {
  kernelRelease: string;
  modules: PlacedModule[];
  /** Udev rule files: name → text, under usr/lib/udev/rules.d (or `rulesDir`). */
  rules?: Record<string, string>;
  rulesDir?: string;
  /** Firmware files relative to the firmware directory. */
  firmware?: Record<string, string | Buffer>;
  /** Modules directory (default usr/lib/modules; lib/modules for Talos before 1.10). */
  modulesRoot?: string;
  /** Firmware directory (default usr/lib/firmware; lib/firmware for Talos before 1.10). */
  firmwareRoot?: string;
  /** More files (relative to the system root). */
  extra?: TestFile[];
}

/** The files of a pkgs module package (rooted at `/`). */
export function modulePackageFiles(c: PackageContent): TestFile[] {
  const root = c.modulesRoot ?? 'usr/lib/modules';
  const files: TestFile[] = [];
  for (const m of c.modules) {
    files.push({
      path: `${root}/${m.release ?? c.kernelRelease}/${m.at}`,
      content: { from: m.file },
    });
  }
  for (const [name, text] of Object.entries(c.firmware ?? {}))
    files.push({ path: `${c.firmwareRoot ?? 'usr/lib/firmware'}/${name}`, content: text });
  for (const [name, text] of Object.entries(c.rules ?? {})) {
    files.push({ path: `${c.rulesDir ?? 'usr/lib/udev/rules.d'}/${name}`, content: text });
  }
  return [...files, ...(c.extra ?? [])];
}

/** An extension manifest; fields left undefined are omitted. */
export interface ManifestFields {
  name: string;
  version?: string;
  author?: string;
  description?: string;
  talos?: string;
  manifestVersion?: string;
}

/** `manifest.yaml` text like siderolabs/extensions renders it. */
export function manifestYaml(m: ManifestFields): string {
  return [
    `version: ${m.manifestVersion ?? 'v1alpha1'}`,
    'metadata:',
    `  name: ${m.name}`,
    `  version: "${m.version ?? '1.0.0'}"`,
    `  author: ${m.author ?? 'talos-kmod tests'}`,
    '  description: |',
    `    ${m.description ?? 'Test extension'}`,
    ...(m.talos ? ['  compatibility:', '    talos:', `      version: "${m.talos}"`] : []),
    '',
  ].join('\n');
}

/** The files of a system extension: manifest.yaml and the package under rootfs/. */
export function extensionFiles(
  manifest: ManifestFields | string,
  content: PackageContent,
): TestFile[] {
  const text = typeof manifest === 'string' ? manifest : manifestYaml(manifest);
  return [
    { path: 'manifest.yaml', content: text },
    { path: 'rootfs/', type: 'directory' },
    ...modulePackageFiles(content).map((f) => ({ ...f, path: `rootfs/${f.path}` })),
  ];
}

/**
 * The files of a kernel image: /boot/vmlinuz and the in-tree modules. `vmlinuz` is the kernel
 * file (e.g. a real bzImage from test/support/kernel-images.ts embedding the signing
 * certificate); without it, placeholder bytes that are no kernel at all.
 */
export function kernelImageFiles(c: {
  kernelRelease: string;
  modules: PlacedModule[];
  vmlinuz?: Uint8Array;
}): TestFile[] {
  return [
    {
      path: 'boot/vmlinuz',
      content: c.vmlinuz ? Buffer.from(c.vmlinuz) : Buffer.from('placeholder bzImage for tests\n'),
    },
    ...c.modules.map((m) => ({
      path: `usr/lib/modules/${c.kernelRelease}/${m.at}`,
      content: { from: m.file },
    })),
    {
      path: `usr/lib/modules/${c.kernelRelease}/modules.dep`,
      content: c.modules.map((m) => `${m.at}:\n`).join(''),
    },
  ];
}

/**
 * Copies the unsigned module `file` with the release in its `vermagic=` string replaced by
 * `release` (same length, so the ELF layout is unchanged): a real module for another kernel as far
 * as the kernel's vermagic check goes. Sign the copy afterwards.
 */
export async function withVermagicRelease(file: string, release: string): Promise<string> {
  const bytes = await readFile(file);
  const marker = Buffer.from('vermagic=');
  const at = bytes.indexOf(marker);
  if (at < 0) throw new Error(`${file} has no vermagic= string`);
  const start = at + marker.length;
  const end = bytes.indexOf(0x20, start);
  const old = bytes.subarray(start, end).toString();
  if (old.length !== release.length)
    throw new Error(`release ${release} must have the length of ${old}`);
  const copy = Buffer.from(bytes);
  copy.write(release, start, 'latin1');
  const out = join(newDir('vermagic'), file.slice(file.lastIndexOf('/') + 1));
  await writeFile(out, copy);
  return out;
}

/** `mkdirSync` for callers that want a fixed path under the scratch directory. */
export function scratchPath(...parts: string[]): string {
  const p = join(imagesScratch(), ...parts);
  mkdirSync(dirname(p), { recursive: true });
  return p;
}

/**
 * The first bytes of an x86 bzImage as the Linux boot protocol lays them out: `MZ`, the setup
 * header magic `HdrS` at 0x202 and at 0x20e the pointer (minus 0x200) to the version string
 * `<release> (tests@talos-kmod) #1 SMP`. Enough for release detection; not bootable.
 */
export function bzImageHeader(release: string, size = 0x1000): Buffer {
  const b = Buffer.alloc(size);
  b.write('MZ', 0, 'latin1');
  b.write('HdrS', 0x202, 'latin1');
  b.writeUInt16LE(0x300 - 0x200, 0x20e);
  b.write(`${release} (tests@talos-kmod) #1 SMP\0`, 0x300, 'latin1');
  return b;
}

/**
 * A PE file shaped like a UKI: DOS header, `PE\0\0`, a COFF header without optional header and
 * the given sections (`.uname`, `.linux`, …) with their data after the table. Real UKIs need the
 * systemd EFI stub, which is not installed here; the section table is the part read.
 */
export function ukiLike(sections: Record<string, Buffer | string>): Buffer {
  const entries = Object.entries(sections).map(([name, data]) => ({
    name,
    data: Buffer.from(data),
  }));
  const pe = 0x40;
  const table = pe + 24;
  let offset = table + entries.length * 40;
  const header = Buffer.alloc(offset);
  header.write('MZ', 0, 'latin1');
  header.writeUInt32LE(pe, 0x3c);
  header.write('PE\0\0', pe, 'latin1');
  header.writeUInt16LE(0x8664, pe + 4);
  header.writeUInt16LE(entries.length, pe + 6);
  header.writeUInt16LE(0, pe + 20);
  entries.forEach((e, i) => {
    const at = table + i * 40;
    header.write(e.name.padEnd(8, '\0').slice(0, 8), at, 'latin1');
    header.writeUInt32LE(e.data.length, at + 8);
    header.writeUInt32LE(e.data.length, at + 16);
    header.writeUInt32LE(offset, at + 20);
    offset += e.data.length;
  });
  return Buffer.concat([header, ...entries.map((e) => e.data)]);
}
