/**
 * `talos-kmod build-kernel-pkg`: the build-kernel-pkg step from a terminal. Prints the outputs as
 * `name=value` lines (or one JSON object with --json) on stdout; make's output and progress go to
 * stderr. The cache is a local directory (default ~/.cache/talos-kmod/build-kernel-pkg).
 */
import { join } from 'node:path';
import { homedir } from 'node:os';
import type { Command } from 'commander';
import { spawnExec } from '@talos-kmod/common';
import type { BuildKernelPkgOptions } from '@talos-kmod/pipeline';
import { asUsageError, listFlag, ownerFlag, repeatFlag } from '../flags';
import { addRegistryFlags, registryCredentials, type RegistryFlags } from '../registry-flags';
import type { RegisterCommand } from './index';
import { addReleaseFlags, releaseOptions, type ReleaseFlags } from '../release-flags';
import { loadPipeline } from '../lazy';

interface Flags extends RegistryFlags, ReleaseFlags {
  pkgsDir: string;
  package: string[];
  registry: string;
  username?: string;
  platform: string[];
  push: boolean;
  tag?: string;
  makeArg: string[];
  verifySignatures: boolean;
  cache: boolean;
  cacheDir?: string;
  json?: boolean;
}

const flagNames: Readonly<Record<string, string>> = {
  'pkgs-dir': 'pkgs-dir',
  packages: 'package',
  platforms: 'platform',
  'make-args': 'make-arg',
};

/** Registers `build-kernel-pkg`. */
export const registerBuildKernelPkg: RegisterCommand = (program: Command, context) => {
  addRegistryFlags(
    addReleaseFlags(
      program
        .command('build-kernel-pkg')
        .description(
          'Build the kernel and module packages of a pkgs checkout in one make invocation; print pinned references',
        )
        .option('--pkgs-dir <dir>', 'siderolabs/pkgs checkout', '.')
        .option(
          '--package <name>',
          'module package by pkg.yaml name, e.g. hailort-pkg (repeatable)',
          listFlag,
          [],
        )
        .option('--registry <host>', 'registry to push to (REGISTRY)', 'ghcr.io')
        .option(
          '--username <name>',
          'registry namespace (USERNAME; default $GITHUB_REPOSITORY_OWNER)',
        )
        .option('--platform <os/arch>', 'platform (repeatable; default linux/amd64)', listFlag, [])
        .option('--no-push', 'build without pushing (no pinned references are printed)')
        .option(
          '--tag <tag>',
          'image tag (default: git describe of the checkout, as the Makefile does)',
        )
        .option('--make-arg <NAME=value>', 'extra make variable (repeatable)', repeatFlag, [])
        .option('--no-verify-signatures', 'skip checking package modules against the kernel key')
        .option('--no-cache', 'always build, even when an unchanged result is recorded')
        .option(
          '--cache-dir <dir>',
          'where results are recorded (default ~/.cache/talos-kmod/build-kernel-pkg)',
        )
        .option('--json', 'print every output as one JSON object'),
      'pkgs',
    ),
    { caFile: false },
  ).action(async (flags: Flags) => {
    const { buildKernelPkg, createDirectoryCache, validateKernelPkgOptions } = await loadPipeline();
    const ctx = context();
    const username = ownerFlag(flags.username, ctx.io.env, '--username');
    const credentials = await registryCredentials(flags);
    const options: BuildKernelPkgOptions = {
      pkgsDir: flags.pkgsDir,
      packages: flags.package,
      registry: flags.registry,
      username,
      platforms: flags.platform.length > 0 ? flags.platform : ['linux/amd64'],
      push: flags.push,
      ...(flags.tag ? { tag: flags.tag } : {}),
      makeArgs: flags.makeArg,
      verifySignatures: flags.verifySignatures,
      cache: flags.cache,
      ...releaseOptions(flags),
      insecureRegistries: flags.insecureRegistry,
      ...(credentials ? { credentials } : {}),
    };
    try {
      validateKernelPkgOptions(options);
    } catch (e: unknown) {
      throw asUsageError(e, flagNames);
    }
    const cacheDir =
      flags.cacheDir ??
      join(
        ctx.io.env.XDG_CACHE_HOME ?? join(ctx.io.env.HOME ?? homedir(), '.cache'),
        'talos-kmod',
        'build-kernel-pkg',
      );
    const result = await buildKernelPkg(options, {
      exec: spawnExec,
      logger: ctx.logger,
      env: { ...process.env, ...ctx.io.env },
      ...(flags.cache && flags.push ? { resultCache: createDirectoryCache(cacheDir) } : {}),
    });
    for (const note of result.notes) ctx.logger.info(note);
    const outputs: Record<string, string | undefined> = {
      'kernel-image': result.kernelImage,
      'pkg-images': result.pushed ? JSON.stringify(result.pkgImages) : undefined,
      'pkg-image': result.pkgImage,
      'pkgs-tag': result.pkgsTag,
      'pkgs-prefix': result.pkgsPrefix,
      'cache-hit': String(result.cacheHit),
    };
    if (flags.json) {
      ctx.io.stdout.write(
        `${JSON.stringify({ ...outputs, 'pkg-images': result.pkgImages, verification: result.verification, notes: result.notes }, null, 2)}\n`,
      );
    } else {
      for (const [k, v] of Object.entries(outputs))
        if (v !== undefined) ctx.io.stdout.write(`${k}=${v}\n`);
    }
  });
};
