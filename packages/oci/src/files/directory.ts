/**
 * A plain directory (an unpacked extension or rootfs) walked like an image file system: the same
 * {@link ImageFile} entries (relative paths, type, permission bits), in path order, with content
 * read only for wanted files.
 */
import { lstat, opendir, readFile, readlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import type { ImageFile, WalkChunksOptions } from './walk';

function typeOf(s: Stats): ImageFile['type'] | undefined {
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'directory';
  if (s.isSymbolicLink()) return 'symlink';
  if (s.isCharacterDevice()) return 'char';
  if (s.isBlockDevice()) return 'block';
  // sockets have no tar type; they are special files to Talos like FIFOs
  if (s.isFIFO() || s.isSocket()) return 'fifo';
  return undefined;
}

async function* walkDir(
  root: string,
  rel: string,
): AsyncGenerator<{ file: ImageFile; abs: string }> {
  const dir = await opendir(join(root, rel));
  const names: string[] = [];
  for await (const d of dir) names.push(d.name);
  names.sort();
  for (const name of names) {
    const path = rel ? `${rel}/${name}` : name;
    const abs = join(root, path);
    const s = await lstat(abs);
    const type = typeOf(s);
    if (!type) continue;
    const file: ImageFile = {
      path,
      type,
      mode: s.mode & 0o7777,
      size: type === 'file' ? s.size : 0,
      uid: s.uid,
      gid: s.gid,
      ...(type === 'symlink' ? { linkTarget: await readlink(abs) } : {}),
    };
    yield { file, abs };
    if (type === 'directory') yield* walkDir(root, path);
  }
}

/** Walks the directory `root` as {@link walkImageFileChunks} walks an image. */
export async function walkDirectoryFiles(root: string, options: WalkChunksOptions): Promise<void> {
  for await (const { file, abs } of walkDir(root, '')) {
    const content =
      file.type === 'file' && options.want?.(file) ? [await readFile(abs)] : undefined;
    await options.onFile(file, content);
  }
}
