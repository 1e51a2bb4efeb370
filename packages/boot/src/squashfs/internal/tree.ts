/**
 * Reads the whole directory tree once, from the root inode down, into a path index: every inode
 * and listing is bounds-checked, a directory reached twice (a cycle, or a directory hard link,
 * which squashfs never writes) is refused, and depth and entry count are capped. A broken entry
 * or subdirectory becomes a problem and the rest of the tree is still read.
 */
import type { SquashfsEntry } from '../types';
import { readInode, type FileLayout, type Inode, type InodeContext } from './inode';
import { MetadataCursor } from './metadata';
import { parseListing } from './directory';
import { errorMessage } from '../../internal/error-message';

/** One node of the index. */
export interface TreeNode {
  entry: SquashfsEntry;
  layout?: FileLayout;
  /** Child paths, in stored order (directories only). */
  children?: string[];
}

/** What the walk needs besides the inode context. */
export interface TreeContext extends InodeContext {
  directoryTableStart: number;
  ids: Uint32Array;
  maxEntries: number;
  maxDepth: number;
}

/** Builds the index; throws only when the root itself cannot be read. */
export async function readTree(
  ctx: TreeContext,
  rootRef: number,
  problems: string[],
): Promise<Map<string, TreeNode>> {
  const nodes = new Map<string, TreeNode>();
  const root = await readInode(ctx, rootRef);
  if (root.type !== 'directory')
    throw new Error(`the root inode is a ${root.type}, not a directory`);
  const seenDirs = new Set<number>([rootRef]);
  const rootNode: TreeNode = { entry: toEntry(ctx, root, '.', '', problems), children: [] };
  nodes.set('.', rootNode);

  const visit = async (dir: Inode, node: TreeNode, depth: number): Promise<void> => {
    const where = node.entry.path === '.' ? 'the root directory' : `directory ${node.entry.path}`;
    const listing = dir.dir;
    if (!listing || listing.size <= 3) return;
    let children;
    try {
      const cursor = new MetadataCursor(
        ctx.reader,
        ctx.directoryTableStart + listing.block,
        listing.offset,
      );
      children = parseListing(await cursor.take(listing.size - 3), where);
    } catch (e: unknown) {
      problems.push(`${where} cannot be listed: ${errorMessage(e)}`);
      return;
    }
    for (const child of children) {
      if (nodes.size >= ctx.maxEntries) {
        throw new LimitError(
          `more than ${ctx.maxEntries} entries (maxEntries); raise it if the image is genuine`,
        );
      }
      const path = node.entry.path === '.' ? child.name : `${node.entry.path}/${child.name}`;
      let inode: Inode;
      try {
        inode = await readInode(ctx, child.ref);
      } catch (e: unknown) {
        problems.push(`${path}: ${errorMessage(e)}`);
        continue;
      }
      if (inode.basicType !== child.basicType) {
        problems.push(
          `${path}: the directory says type ${child.basicType} but its inode is type ${inode.basicType}`,
        );
        continue;
      }
      if (nodes.has(path)) {
        problems.push(`${path} is listed twice in ${where}`);
        continue;
      }
      const childNode: TreeNode = { entry: toEntry(ctx, inode, path, child.name, problems) };
      if (inode.file) childNode.layout = inode.file;
      nodes.set(path, childNode);
      node.children?.push(path);
      if (inode.type !== 'directory') continue;
      childNode.children = [];
      if (seenDirs.has(child.ref)) {
        problems.push(`${path} is a directory already reached elsewhere (a cycle): not followed`);
        continue;
      }
      seenDirs.add(child.ref);
      if (depth + 1 > ctx.maxDepth) {
        problems.push(
          `${path} is nested deeper than ${ctx.maxDepth} levels (maxDepth): not followed`,
        );
        continue;
      }
      await visit(inode, childNode, depth + 1);
    }
  };
  try {
    await visit(root, rootNode, 0);
  } catch (e: unknown) {
    if (!(e instanceof LimitError)) throw e;
    problems.push(e.message);
  }
  return nodes;
}

class LimitError extends Error {}

function toEntry(
  ctx: TreeContext,
  inode: Inode,
  path: string,
  name: string,
  problems: string[],
): SquashfsEntry {
  const id = (index: number, what: string): number => {
    const value = ctx.ids[index];
    if (value === undefined) {
      problems.push(`${path}: ${what} index ${index} is past the id table (${ctx.ids.length} ids)`);
      return 0;
    }
    return value;
  };
  const entry: SquashfsEntry = {
    path,
    name,
    type: inode.type,
    mode: inode.mode,
    uid: id(inode.uidIndex, 'uid'),
    gid: id(inode.gidIndex, 'gid'),
    mtime: inode.mtime,
    size: inode.type === 'directory' ? 0 : inode.size,
    nlink: inode.nlink,
    inode: inode.inode,
  };
  if (inode.target !== undefined) entry.target = inode.target;
  if (inode.rdev !== undefined) entry.rdev = inode.rdev;
  return entry;
}
