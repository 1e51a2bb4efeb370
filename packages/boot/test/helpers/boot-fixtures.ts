/**
 * Real squashfs images and initramfs archives for the boot tests, made by the real tools
 * (mksquashfs, cpio -H newc, zstd, xz, gzip, lz4 -l) from directory trees written here; and the
 * oracles that read them back (unsquashfs, cpio -t).
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A scratch directory for one test file. */
export function scratch(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `boot-${prefix}-`));
}

/** Deterministic pseudo-random bytes that compress somewhat (text-like), or not at all. */
export function bytesOf(length: number, seed: number, compressible = true): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = compressible ? 0x61 + (x % 16) : x & 0xff;
  }
  return out;
}

/** What {@link writeTree} may create at a path relative to the root. */
export type TreeSpec = Record<
  string,
  | Buffer
  | string
  | { symlink: string }
  | { hardlink: string }
  | { dir: true }
  | { sparse: number }
  | { content: Buffer | string; mode?: number; uid?: number; gid?: number }
>;

/** Writes `spec` under `root` (parents first; hard links after their targets). */
export function writeTree(root: string, spec: TreeSpec): void {
  mkdirSync(root, { recursive: true });
  for (const [path, what] of Object.entries(spec)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    if (typeof what === 'string' || Buffer.isBuffer(what)) writeFileSync(full, what);
    else if ('symlink' in what) symlinkSync(what.symlink, full);
    else if ('hardlink' in what) linkSync(join(root, what.hardlink), full);
    else if ('dir' in what) mkdirSync(full, { recursive: true });
    else if ('sparse' in what) {
      writeFileSync(full, '');
      execFileSync('truncate', ['-s', String(what.sparse), full]);
    } else {
      writeFileSync(full, what.content);
      if (what.mode !== undefined) chmodSync(full, what.mode);
      if (what.uid !== undefined) chownSync(full, what.uid, what.gid ?? what.uid);
    }
  }
}

/** Runs mksquashfs on `source` with `args` (e.g. `-comp zstd`); returns the image bytes. */
export function mksquashfs(source: string, image: string, args: string[]): Buffer {
  execFileSync('mksquashfs', [source, image, '-noappend', '-no-progress', '-quiet', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return readFileSync(image);
}

/** One line of `unsquashfs -lln`: what the oracle says an entry is. */
export interface OracleEntry {
  path: string;
  kind: string;
  perms: string;
  uid: number;
  gid: number;
  size: number;
  target?: string;
}

/** The image's entries as `unsquashfs -lln` lists them (root as `.`). */
export function unsquashfsList(image: string): OracleEntry[] {
  const text = execFileSync('unsquashfs', ['-lln', '-d', '', image], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const out: OracleEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S)(\S{9}) (\d+)\/(\d+)\s+(\S+) \S+ \S+ (.*)$/.exec(line);
    if (!m) continue;
    const [, kind, perms, uid, gid, size, rest] = m as unknown as string[];
    const [path, target] = (rest as string).split(' -> ');
    const rel = (path as string).replace(/^\//, '');
    const entry: OracleEntry = {
      path: rel === '' ? '.' : rel,
      kind: kind as string,
      perms: perms as string,
      uid: Number(uid),
      gid: Number(gid),
      // Devices print major,minor where the size would be.
      size: /^\d+$/.test(size as string) ? Number(size) : 0,
    };
    if (target !== undefined) entry.target = target;
    out.push(entry);
  }
  return out;
}

/** Extracts the image with unsquashfs into a fresh directory; returns it. */
export function unsquashfsExtract(image: string, into: string): string {
  execFileSync('unsquashfs', ['-no-progress', '-q', '-d', into, image], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return into;
}

/** `unsquashfs -cat` of one file. */
export function unsquashfsCat(image: string, path: string): Buffer {
  return execFileSync('unsquashfs', ['-cat', image, path], { maxBuffer: 1024 * 1024 * 1024 });
}

/** `ls -l`-style permission string of a mode, as unsquashfs prints it (without the type). */
export function permString(mode: number): string {
  const rwx = (bits: number, special: boolean, ch: string) =>
    `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${
      special ? (bits & 1 ? ch : ch.toUpperCase()) : bits & 1 ? 'x' : '-'
    }`;
  return (
    rwx((mode >> 6) & 7, (mode & 0o4000) !== 0, 's') +
    rwx((mode >> 3) & 7, (mode & 0o2000) !== 0, 's') +
    rwx(mode & 7, (mode & 0o1000) !== 0, 't')
  );
}

/** A newc (or other `-H` format) cpio archive of `dir`, members in sorted `find` order. */
export function cpioArchive(dir: string, format = 'newc'): Buffer {
  const list = execFileSync('sh', ['-c', 'find . | LC_ALL=C sort'], { cwd: dir });
  return execFileSync('cpio', ['--quiet', '-o', '-H', format], {
    cwd: dir,
    input: list,
    maxBuffer: 1024 * 1024 * 1024,
  });
}

/** The member names of a cpio archive, as `cpio -t` lists them. */
export function cpioList(archive: Uint8Array): string[] {
  return execFileSync('cpio', ['--quiet', '-t'], { input: archive, maxBuffer: 64 * 1024 * 1024 })
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');
}

/** Compresses with the real tool, the way kernels and Talos compress initramfs archives. */
export function compress(kind: 'gzip' | 'xz' | 'zstd' | 'lz4', data: Uint8Array): Buffer {
  const argv: Record<typeof kind, string[]> = {
    gzip: ['gzip', '-9', '-n', '-c'],
    // scripts/xz_wrap.sh-style options for initramfs: crc32 check, LZMA2 with a 1 MiB dictionary.
    xz: ['xz', '--check=crc32', '--lzma2=dict=1MiB', '-c'],
    zstd: ['zstd', '-q', '-19', '-c'],
    // lz4 legacy frame (what the kernel's usr/Makefile writes for CONFIG_INITRAMFS_COMPRESSION_LZ4).
    lz4: ['lz4', '-q', '-l', '-9', '-c'],
  };
  const [tool, ...args] = argv[kind];
  return execFileSync(tool as string, args, { input: data, maxBuffer: 1024 * 1024 * 1024 });
}

/** Joins pieces, padding each to `align` bytes with zeros first (as the kernel allows). */
export function concat(pieces: Uint8Array[], align = 4): { bytes: Buffer; offsets: number[] } {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let at = 0;
  for (const p of pieces) {
    const pad = (align - (at % align)) % align;
    if (pad) parts.push(Buffer.alloc(pad));
    at += pad;
    offsets.push(at);
    parts.push(Buffer.from(p));
    at += p.length;
  }
  return { bytes: Buffer.concat(parts), offsets };
}
