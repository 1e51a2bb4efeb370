/**
 * `talos-kmod new-module <name>`: wires an out-of-tree module into a pkgs checkout and an
 * extensions checkout. Prints the changed files (or, with --dry-run, the unified diff) on stdout;
 * progress goes to stderr.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { isUserError } from '@talos-kmod/common';
import type { NewModuleOptions, NewModuleResult } from '@talos-kmod/pipeline';
import { UsageError, repeatFlag, requireFlags } from '../flags';
import type { DefineCommand } from '../command-context';
import { loadPipeline } from '../lazy';
import { jsonText } from '../io';

interface Flags {
  source?: string;
  version?: string;
  buildDir?: string;
  installDir?: string;
  udevRules: string[];
  firmware: string[];
  firmwareDir?: string;
  buildCommand?: string;
  description?: string;
  author?: string;
  tier?: string;
  talosVersion?: string;
  datasource?: string;
  depName?: string;
  extractVersion?: string;
  sha256?: string;
  sha512?: string;
  pkgs?: string;
  extensions?: string;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
}

function diffText(r: NewModuleResult): string {
  const parts: string[] = [];
  for (const [label, side] of [
    ['pkgs', r.pkgs],
    ['extensions', r.extensions],
  ] as const) {
    if (!side || side.diff === '') continue;
    parts.push(`# ${label} checkout: ${side.root}\n${side.diff}`);
  }
  return parts.join('');
}

/** The required flags, or one usage error naming every one that is missing (not one per run). */
function requiredFlags(
  flags: Flags,
): Record<'source' | 'version' | 'description' | 'author', string> {
  requireFlags('new-module', {
    source: flags.source,
    version: flags.version,
    description: flags.description,
    author: flags.author,
  });
  return {
    source: flags.source ?? '',
    version: flags.version ?? '',
    description: flags.description ?? '',
    author: flags.author ?? '',
  };
}

/** Defines `new-module`. */
export const defineNewModule: DefineCommand = (command: Command, context) => {
  command
    .argument('<name>', 'module name: lowercase letters, digits and -, e.g. hailort')
    .option(
      '--source <url>',
      '(required) tarball URL with {version}, e.g. https://github.com/OWNER/REPO/archive/refs/tags/v{version}.tar.gz (or a GitHub repository URL)',
    )
    .option('--version <version>', '(required) module version, e.g. 4.24.0')
    .option('--description <text>', '(required) extension description')
    .option('--author <text>', '(required) extension author')
    .option(
      '--build-dir <dir>',
      'directory inside the source with the module Makefile (default: root)',
    )
    .option('--install-dir <dir>', 'INSTALL_MOD_DIR: extras (default) or e.g. kernel/drivers/misc')
    .option('--udev-rules <file>', 'udev rules file inside the source (repeatable)', repeatFlag, [])
    .option('--firmware <file>', 'firmware file inside the source (repeatable)', repeatFlag, [])
    .option('--firmware-dir <dir>', 'folder under /usr/lib/firmware (default: the module name)')
    .option('--build-command <cmd>', 'shell line that builds the module in the build dir')
    .option('--tier <tier>', 'extension tier: core, extra, contrib (default) or deprecated')
    .option(
      '--talos-version <range>',
      'Talos versions the extension supports (default ">= v1.10.0")',
    )
    .option('--datasource <name>', 'Renovate datasource: github-releases or github-tags')
    .option('--dep-name <owner/repo>', 'Renovate depName (default: from a GitHub source URL)')
    .option('--extract-version <regex>', 'Renovate extractVersion (default: from the tag prefix)')
    .option('--sha256 <hex>', 'sha256 of the tarball (with --sha512: no download)')
    .option('--sha512 <hex>', 'sha512 of the tarball (with --sha256: no download)')
    .option('--pkgs <dir>', 'siderolabs/pkgs checkout to change')
    .option('--extensions <dir>', 'siderolabs/extensions checkout to change')
    .option('--dry-run', 'print the unified diff and write nothing')
    .option('--force', 'overwrite generated files and values that differ')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, flags: Flags) => {
      const { newModule, validateNewModuleOptions } = await loadPipeline();
      const ctx = context();
      const { source, version, description, author } = requiredFlags(flags);
      const options: NewModuleOptions = {
        name,
        source,
        version,
        description,
        author,
        udevRules: flags.udevRules,
        firmware: flags.firmware,
        ...(flags.buildDir !== undefined ? { buildDir: flags.buildDir } : {}),
        ...(flags.installDir !== undefined ? { installDir: flags.installDir } : {}),
        ...(flags.firmwareDir !== undefined ? { firmwareDir: flags.firmwareDir } : {}),
        ...(flags.buildCommand !== undefined ? { buildCommand: flags.buildCommand } : {}),
        ...(flags.tier !== undefined ? { tier: flags.tier } : {}),
        ...(flags.talosVersion !== undefined ? { talosVersion: flags.talosVersion } : {}),
        ...(flags.datasource !== undefined ? { datasource: flags.datasource } : {}),
        ...(flags.depName !== undefined ? { depName: flags.depName } : {}),
        ...(flags.extractVersion !== undefined ? { extractVersion: flags.extractVersion } : {}),
        ...(flags.sha256 !== undefined ? { sha256: flags.sha256 } : {}),
        ...(flags.sha512 !== undefined ? { sha512: flags.sha512 } : {}),
        ...(flags.pkgs ? { pkgsDir: resolve(ctx.io.cwd, flags.pkgs) } : {}),
        ...(flags.extensions ? { extensionsDir: resolve(ctx.io.cwd, flags.extensions) } : {}),
        dryRun: flags.dryRun ?? false,
        force: flags.force ?? false,
      };
      try {
        validateNewModuleOptions(options);
      } catch (e: unknown) {
        if (isUserError(e)) throw new UsageError(e.message, { details: e.details });
        throw e;
      }
      const result = await newModule(options, { logger: ctx.logger });
      if (flags.json) {
        ctx.io.stdout.write(
          `${jsonText({
            module: result.spec.name,
            package: result.spec.packageName,
            version: result.spec.version,
            sha256: result.spec.sha256,
            sha512: result.spec.sha512,
            checksums: result.checksums,
            dryRun: result.dryRun,
            pkgs: result.pkgs,
            extensions: result.extensions,
            written: result.written,
            notes: result.notes,
            gaps: result.wiring?.gaps ?? [],
          })}\n`,
        );
      } else if (result.dryRun) {
        ctx.io.stdout.write(diffText(result));
      } else {
        for (const path of result.written) ctx.io.stdout.write(`${path}\n`);
      }
      if (!result.dryRun && result.written.length > 0) {
        ctx.io.stderr.write(
          `next: commit both checkouts, then build with 'make kernel ${result.spec.packageName}' (pkgs) ` +
            `and 'make ${result.spec.name} PKGS_PREFIX=… PKGS=…' (extensions)\n`,
        );
      }
      if ((result.wiring?.gaps.length ?? 0) > 0) ctx.setExitCode(1);
    });
};
