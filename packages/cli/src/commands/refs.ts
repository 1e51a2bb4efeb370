/**
 * `talos-kmod refs <talos-version>`: the pkgs, tools and extensions refs that belong to one Talos
 * release, read from talos' own pins (`pkg/machinery/gendata/data/pkgs` and `…/tools` at the tag)
 * in a talos checkout or a git remote. `v1.11` resolves to the newest 1.11 patch, which is how a
 * scheduled workflow notices a new release.
 */
import type { Command } from 'commander';
import { spawnExec } from '@talos-kmod/common';
import type { ReleaseRefs } from '@talos-kmod/talos';
import { loadTalos } from '../lazy';
import type { DefineCommand } from '../command-context';
import { jsonText } from '../io';

interface Flags {
  json?: boolean;
  talosRepo?: string;
}

/** The JSON `refs --json` prints (and the reusable workflow reads). */
export function refsJson(refs: ReleaseRefs) {
  return {
    talosVersion: refs.talos,
    pkgsRef: refs.pkgs.ref,
    pkgsTag: refs.pkgs.tag,
    pkgsBranch: refs.pkgs.branch,
    ...(refs.tools
      ? { toolsRef: refs.tools.ref, toolsTag: refs.tools.tag, toolsBranch: refs.tools.branch }
      : {}),
    extensionsRef: refs.extensions.branch,
    extensionsTag: refs.extensions.tag,
    talosRef: refs.talos,
    source: refs.source,
  };
}

/** Defines `refs`. */
export const defineRefs: DefineCommand = (command: Command, context) => {
  command
    .argument('<talos-version>', 'a Talos release such as v1.11.5, or v1.11 for its newest patch')
    .option(
      '--talos-repo <dir|url>',
      'a siderolabs/talos checkout or git URL to read the pins from',
      'https://github.com/siderolabs/talos.git',
    )
    .option('--json', 'print the refs as JSON')
    .action(async (version: string, flags: Flags) => {
      const ctx = context();
      const { readReleaseRefs, formatReleaseRefs } = await loadTalos();
      const refs = await readReleaseRefs(version, {
        ...(flags.talosRepo ? { source: flags.talosRepo } : {}),
        exec: spawnExec,
      });
      ctx.io.stdout.write(
        flags.json ? `${jsonText(refsJson(refs))}\n` : `${formatReleaseRefs(refs)}\n`,
      );
    });
};
