/**
 * `talos-kmod build-extension`: the build-extension step from a terminal. Prints the outputs as
 * `name=value` lines (or JSON with --json) on stdout; make's output goes to stderr.
 */
import type { Command } from 'commander';
import { spawnExec } from '@talos-kmod/common';
import type { BuildExtensionOptions } from '@talos-kmod/pipeline';
import { UsageError, asUsageError, listFlag, ownerFlag, repeatFlag } from '../flags';
import { addRegistryFlags, registryCredentials, type RegistryFlags } from '../registry-flags';
import type { RegisterCommand } from './index';
import { addReleaseFlags, releaseOptions, type ReleaseFlags } from '../release-flags';
import { loadPipeline } from '../lazy';

interface Flags extends RegistryFlags, ReleaseFlags {
  extensionsDir: string;
  extension?: string;
  pkgsPrefix?: string;
  pkgsTag?: string;
  pkgImage?: string;
  registry: string;
  username?: string;
  platform: string[];
  push: boolean;
  tag?: string;
  makeArg: string[];
  json?: boolean;
}

const flagNames: Readonly<Record<string, string>> = {
  platforms: 'platform',
  'make-args': 'make-arg',
};

/** Registers `build-extension`. */
export const registerBuildExtension: RegisterCommand = (program: Command, context) => {
  addRegistryFlags(
    addReleaseFlags(
      program
        .command('build-extension')
        .description(
          "Build a system extension of an extensions checkout against a fork's packages; print its pinned reference",
        )
        .option('--extensions-dir <dir>', 'siderolabs/extensions checkout', '.')
        .option('--extension <name>', 'extension (Makefile target), e.g. hailort')
        .option('--pkgs-prefix <registry/namespace>', 'PKGS_PREFIX (build-kernel-pkg pkgs-prefix)')
        .option('--pkgs-tag <tag>', 'PKGS (build-kernel-pkg pkgs-tag)')
        .option(
          '--pkg-image <ref>',
          'pinned package image to write into the extension pkg.yaml for the build',
        )
        .option('--registry <host>', 'registry to push to (REGISTRY)', 'ghcr.io')
        .option(
          '--username <name>',
          'registry namespace (USERNAME; default $GITHUB_REPOSITORY_OWNER)',
        )
        .option('--platform <os/arch>', 'platform (repeatable; default linux/amd64)', listFlag, [])
        .option('--no-push', 'build without pushing')
        .option('--tag <tag>', 'TAG build argument (default: git describe of the checkout)')
        .option('--make-arg <NAME=value>', 'extra make variable (repeatable)', repeatFlag, [])
        .option('--json', 'print every output as one JSON object'),
      'extensions',
    ),
    { caFile: false },
  ).action(async (flags: Flags) => {
    const { buildExtension, validateExtensionOptions } = await loadPipeline();
    const ctx = context();
    if (!flags.extension)
      throw new UsageError('--extension is required (e.g. --extension hailort)');
    const username = ownerFlag(flags.username, ctx.io.env, '--username');
    const credentials = await registryCredentials(flags);
    const options: BuildExtensionOptions = {
      extensionsDir: flags.extensionsDir,
      extension: flags.extension,
      ...(flags.pkgsPrefix ? { pkgsPrefix: flags.pkgsPrefix } : {}),
      ...(flags.pkgsTag ? { pkgsTag: flags.pkgsTag } : {}),
      ...(flags.pkgImage ? { pkgImage: flags.pkgImage } : {}),
      registry: flags.registry,
      username,
      platforms: flags.platform.length > 0 ? flags.platform : ['linux/amd64'],
      push: flags.push,
      ...(flags.tag ? { tag: flags.tag } : {}),
      makeArgs: flags.makeArg,
      ...releaseOptions(flags),
      insecureRegistries: flags.insecureRegistry,
      ...(credentials ? { credentials } : {}),
    };
    try {
      validateExtensionOptions(options);
    } catch (e: unknown) {
      throw asUsageError(e, flagNames);
    }
    const result = await buildExtension(options, {
      exec: spawnExec,
      logger: ctx.logger,
      env: { ...process.env, ...ctx.io.env },
    });
    for (const note of result.notes) ctx.logger.info(note);
    const outputs: Record<string, string | undefined> = {
      'extension-image': result.extensionImage,
      'extension-version': result.extensionVersion,
      'extension-name': result.extensionName,
    };
    if (flags.json) {
      ctx.io.stdout.write(`${JSON.stringify({ ...outputs, notes: result.notes }, null, 2)}\n`);
    } else {
      for (const [k, v] of Object.entries(outputs))
        if (v !== undefined) ctx.io.stdout.write(`${k}=${v}\n`);
    }
  });
};
