/**
 * `talos-kmod ls <source> [path-prefix]`: the files of an image's merged file system (layers
 * applied, whiteouts honoured), streamed without unpacking.
 */
import type { Command } from 'commander';
import { InputError } from '@talos-kmod/common';
import { openFileTrees, type FileTrees, type ImageFile } from '@talos-kmod/oci';
import {
  accessExitCode,
  addRegistryFlags,
  platformFlag,
  registryOptions,
  type RegistryFlags,
} from '../registry-flags';
import type { DefineCommand } from '../command-context';
import { parseImageArg } from '../image-arg';
import { jsonText, textLines, stdinOf } from '../io';

interface Flags extends RegistryFlags {
  platform?: string;
  long?: boolean;
  json?: boolean;
}

const typeChar: Record<ImageFile['type'], string> = {
  file: '-',
  directory: 'd',
  symlink: 'l',
  hardlink: 'h',
  char: 'c',
  block: 'b',
  fifo: 'p',
};

function permissions(mode: number): string {
  const rwx = (bits: number, special: boolean, s: string) =>
    `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${bits & 1 ? (special ? s : 'x') : special ? s.toUpperCase() : '-'}`;
  return (
    rwx(mode >> 6, (mode & 0o4000) !== 0, 's') +
    rwx(mode >> 3, (mode & 0o2000) !== 0, 's') +
    rwx(mode, (mode & 0o1000) !== 0, 't')
  );
}

/** One `ls -l`-like line. */
export function formatLong(f: ImageFile): string {
  const link =
    f.linkTarget !== undefined ? ` ${f.type === 'hardlink' ? '=>' : '->'} ${f.linkTarget}` : '';
  return `${typeChar[f.type]}${permissions(f.mode)} ${`${f.uid}/${f.gid}`.padEnd(11)} ${String(f.size).padStart(10)} ${f.path}${link}`;
}

/** One file as JSON; the mode as an octal string (`0644`), as `stat` and `ls` users read it. */
export function fileToJson(f: ImageFile): Record<string, unknown> {
  return {
    path: f.path,
    type: f.type,
    mode: f.mode.toString(8).padStart(4, '0'),
    uid: f.uid,
    gid: f.gid,
    size: f.size,
    ...(f.linkTarget !== undefined ? { linkTarget: f.linkTarget } : {}),
  };
}

/** `/usr/lib/` → `usr/lib`. */
function normalizePrefix(prefix: string): string {
  return prefix.replace(/^\.?\/+/, '').replace(/\/+$/, '');
}

/** Defines `ls`. */
export const defineLs: DefineCommand = (command: Command, context) => {
  addRegistryFlags(
    command
      .argument(
        '<source>',
        'docker-archive:PATH, oci-archive:PATH, oci:DIR[:ref], dir:DIR, or a registry reference',
      )
      .argument('[path-prefix]', 'only paths under this directory (e.g. /usr/lib/modules)')
      .option('--platform <os/arch>', 'platform of a multi-platform image')
      .option('-l, --long', 'show type, mode, owner, size and link targets')
      .option(
        '--json',
        'print a JSON array of {path, type, mode (octal string), uid, gid, size, linkTarget?}',
      ),
    { registryHost: true },
  ).action(async (spec: string, prefix: string | undefined, flags: Flags) => {
    const ctx = context();
    const image = parseImageArg(spec);
    const options = await registryOptions(flags, ctx.logger, ctx.io.env, stdinOf(ctx.io), image);
    const under = prefix ? normalizePrefix(prefix) : '';
    const matches = (p: string) => !under || p === under || p.startsWith(`${under}/`);
    const platform = platformFlag(flags.platform);
    let source: FileTrees | undefined;
    try {
      source = await openFileTrees(image, options);
      const tree = await source.only(platform);
      const files: ImageFile[] = [];
      await tree.walk({
        onFile: (f) => {
          if (matches(f.path)) files.push(f);
        },
      });
      if (under && files.length === 0) {
        throw new InputError(
          `${source.description} has nothing under /${under}: check the path (try 'talos-kmod ls ${spec}' to see the top level)`,
        );
      }
      files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      if (flags.json) {
        ctx.io.stdout.write(`${jsonText(files.map(fileToJson))}\n`);
        return;
      }
      const lines = files.map((f) => (flags.long ? formatLong(f) : f.path));
      ctx.io.stdout.write(textLines(lines));
    } catch (e: unknown) {
      throw e instanceof Error ? accessExitCode(e) : e;
    } finally {
      await source?.close();
    }
  });
};
