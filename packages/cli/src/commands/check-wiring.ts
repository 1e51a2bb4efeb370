/**
 * `talos-kmod check-wiring <name>`: is the module fully wired into the pkgs and extensions
 * checkouts? Prints one line per gap (`repo/file[:line]: what to change`) and then the verdict on
 * stdout, or the report as JSON; exits 1 when there are gaps (for PR checks) and 2 for bad usage
 * (a wrong directory). Names that differ upstream (`amazon-ena` ships `ena-pkg`) are discovered
 * from the files, or given with `--extension`, `--package`, `--pkgs-var`, `--version-var`.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { isUserError } from '@talos-kmod/common';
import { UsageError } from '../flags';
import type { DefineCommand } from '../command-context';
import { loadPipeline, loadTalos } from '../lazy';
import { jsonText } from '../io';

interface Flags {
  pkgs?: string;
  extensions?: string;
  talosVersion?: string;
  tag?: string;
  json?: boolean;
  extension?: string;
  package?: string;
  pkgsVar?: string;
  versionVar?: string;
}

/** Defines `check-wiring`. */
export const defineCheckWiring: DefineCommand = (command: Command, context) => {
  command
    .argument('<name>', 'module name, e.g. hailort')
    .option('--pkgs <dir>', 'siderolabs/pkgs checkout')
    .option('--extensions <dir>', 'siderolabs/extensions checkout')
    .option('--talos-version <version>', "Talos version the manifest's compatibility must accept")
    .option('--tag <tag>', 'TAG for rendering VERSION templates that use it (default v0.0.0)')
    .option('--json', 'print the report as JSON')
    .option(
      '--extension <name>',
      'the extension (default <name>, or the one extension pulling <name>-pkg)',
    )
    .option(
      '--package <name>',
      "the pkgs package (default the one the extension's pkg.yaml pulls, else <name>-pkg)",
    )
    .option(
      '--pkgs-var <prefix>',
      "prefix of the pkgs Pkgfile vars, e.g. ena for ena_version (default read from the package's pkg.yaml)",
    )
    .option(
      '--version-var <NAME>',
      "extensions Pkgfile var of the module version, e.g. ENA_VERSION (default read from the extension's VERSION)",
    )
    .action(async (name: string, flags: Flags) => {
      const { formatGap } = await loadTalos();
      const { checkWiring } = await loadPipeline();
      const ctx = context();
      let result;
      try {
        result = await checkWiring(
          {
            module: name,
            ...(flags.pkgs ? { pkgsDir: resolve(ctx.io.cwd, flags.pkgs) } : {}),
            ...(flags.extensions ? { extensionsDir: resolve(ctx.io.cwd, flags.extensions) } : {}),
            ...(flags.talosVersion ? { talosVersion: flags.talosVersion } : {}),
            ...(flags.tag ? { tag: flags.tag } : {}),
            names: {
              ...(flags.extension ? { extension: flags.extension } : {}),
              ...(flags.package ? { packageName: flags.package } : {}),
              ...(flags.pkgsVar ? { pkgsVarPrefix: flags.pkgsVar } : {}),
              ...(flags.versionVar ? { extensionsVersionVar: flags.versionVar } : {}),
            },
          },
          // The gaps go to stdout below; logged as errors too, each would show twice.
          { logger: { ...ctx.logger, error: (m: string) => ctx.logger.debug(m) } },
        );
      } catch (e: unknown) {
        // The checks report gaps; what throws is a bad name or a directory of the wrong kind.
        if (isUserError(e)) throw new UsageError(e.message, { cause: e, details: e.details });
        throw e;
      }
      if (flags.json) {
        ctx.io.stdout.write(`${jsonText(result)}\n`);
      } else {
        for (const g of result.gaps) ctx.io.stdout.write(`${formatGap(g)}\n`);
        ctx.io.stdout.write(
          result.ok
            ? `${result.module}: wired (${result.passed.length} checks passed)\n`
            : `${result.module}: ${result.gaps.length} gap(s)\n`,
        );
      }
      if (!result.ok) ctx.setExitCode(1);
    });
};
