/**
 * `talos-kmod build-installer`: the build-installer step from a terminal. Prints the pinned
 * installer reference (or every output as JSON with --json) on stdout; progress goes to stderr.
 */
import type { Command } from 'commander';
import { spawnExec } from '@talos-kmod/common';
import type { BuildInstallerOptions } from '@talos-kmod/pipeline';
import { createProgressReporter } from '../progress/bars';
import { asUsageError, listFlag, ownerFlag, repeatFlag } from '../flags';
import { addRegistryFlags, registryCredentials, type RegistryFlags } from '../registry-flags';
import type { RegisterCommand } from './index';
import { loadPipeline } from '../lazy';
import { exitCodes } from '../io';

interface Flags extends RegistryFlags {
  talosDir?: string;
  imagerImage?: string;
  baseInstallerImage?: string;
  kernelImage?: string;
  extensionImage: string[];
  extraExtensionImage: string[];
  schematic?: string;
  nodeExtensions?: string;
  talosVersion?: string;
  extensionsCatalog?: string;
  releaseMismatch: string;
  extraKernelArg: string[];
  registry: string;
  username?: string;
  platform: string[];
  tag?: string;
  installerRef?: string;
  insecureRegistry: string[];
  outDir?: string;
  verifyInstaller: string;
  registryUsername?: string;
  registryPasswordStdin?: boolean;
  json?: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Input names in messages → this command's flag names. */
const flagNames: Readonly<Record<string, string>> = {
  platforms: 'platform',
  'extension-images': 'extension-image',
  'extra-extension-images': 'extra-extension-image',
  'extra-kernel-args': 'extra-kernel-arg',
  'insecure-registries': 'insecure-registry',
};

/** Registers `build-installer`. */
export const registerBuildInstaller: RegisterCommand = (program: Command, context) => {
  addRegistryFlags(
    program
      .command('build-installer')
      .description(
        'Build a Talos installer (talos checkout or imager image), check it, and push it (default ttl.sh/<uuid>:1h)',
      )
      .option(
        '--talos-dir <dir>',
        'talos checkout: make installer-base imager, then image-installer',
      )
      .option(
        '--imager-image <ref>',
        'a ready imager image to run with docker (instead of --talos-dir)',
      )
      .option('--base-installer-image <ref>', 'installer-base for --imager-image')
      .option('--kernel-image <ref>', 'kernel image (PKG_KERNEL) for --talos-dir')
      .option('--extension-image <ref>', 'system extension image (repeatable)', listFlag, [])
      .option(
        '--extra-extension-image <ref@sha256:…>',
        "the node's other extensions to keep, pinned (repeatable); verified against the kernel first",
        listFlag,
        [],
      )
      .option(
        '--schematic <file>',
        'Image Factory schematic YAML: its officialExtensions go in too (needs --talos-version)',
      )
      .option(
        '--node-extensions <file>',
        "saved 'talosctl get extensions -o yaml' output: the node's extensions go in too (needs --talos-version)",
      )
      .option('--talos-version <version>', 'the Talos release (e.g. v1.11.5) the installer is for')
      .option(
        '--extensions-catalog <repo|file>',
        'where official names resolve (default ghcr.io/siderolabs/extensions:<talos-version>)',
      )
      .option(
        '--release-mismatch <level>',
        'a --talos-dir checkout of another release than --talos-version: warn or error',
        'warn',
      )
      .option(
        '--extra-kernel-arg <arg>',
        'extra kernel argument (repeatable; commas stay inside it; -name removes a default one)',
        repeatFlag,
        [],
      )
      .option('--registry <host>', 'registry for installer-base and imager', 'ghcr.io')
      .option('--username <name>', 'registry namespace (default $GITHUB_REPOSITORY_OWNER)')
      .option('--platform <os/arch>', 'platform (repeatable; default linux/amd64)', listFlag, [])
      .option(
        '--tag <tag>',
        'TAG for installer-base and imager (default: git describe of the checkout)',
      )
      .option('--installer-ref <ref>', 'where to push the installer (default ttl.sh/<uuid>:1h)')
      .option(
        '--out-dir <dir>',
        'where --imager-image writes installer-<arch>.tar (default: a temp dir)',
      )
      .option(
        '--verify-installer <level>',
        'a failing check of the built installer: error (push nothing) or warning (push anyway)',
        'error',
      )
      .option('--json', 'print every output as JSON'),
    { caFile: false },
  ).action(async (flags: Flags) => {
    const { buildInstaller, validateBuildInstallerOptions } = await loadPipeline();
    const ctx = context();
    const username = ownerFlag(flags.username, ctx.io.env, '--username');
    const credentials = await registryCredentials(flags);
    if (flags.verifyInstaller !== 'error' && flags.verifyInstaller !== 'warning') {
      ctx.io.stderr.write(
        `error: --verify-installer is '${flags.verifyInstaller}': use error or warning\n`,
      );
      ctx.setExitCode(exitCodes.usage);
      return;
    }
    if (flags.releaseMismatch !== 'warn' && flags.releaseMismatch !== 'error') {
      ctx.io.stderr.write(
        `error: --release-mismatch is '${flags.releaseMismatch}': use warn or error\n`,
      );
      ctx.setExitCode(exitCodes.usage);
      return;
    }
    const options: Mutable<BuildInstallerOptions> = {
      ...(flags.talosDir ? { talosDir: flags.talosDir } : {}),
      ...(flags.imagerImage ? { imagerImage: flags.imagerImage } : {}),
      ...(flags.baseInstallerImage ? { baseInstallerImage: flags.baseInstallerImage } : {}),
      ...(flags.kernelImage ? { kernelImage: flags.kernelImage } : {}),
      extensionImages: flags.extensionImage,
      extraExtensionImages: flags.extraExtensionImage,
      ...(flags.schematic ? { schematic: flags.schematic } : {}),
      ...(flags.nodeExtensions ? { nodeExtensions: flags.nodeExtensions } : {}),
      ...(flags.talosVersion ? { talosVersion: flags.talosVersion } : {}),
      ...(flags.extensionsCatalog ? { extensionsCatalog: flags.extensionsCatalog } : {}),
      releaseMismatch: flags.releaseMismatch,
      extraKernelArgs: flags.extraKernelArg,
      registry: flags.registry,
      username,
      platforms: flags.platform.length > 0 ? flags.platform : ['linux/amd64'],
      ...(flags.tag ? { tag: flags.tag } : {}),
      ...(flags.installerRef ? { installerRef: flags.installerRef } : {}),
      insecureRegistries: flags.insecureRegistry,
      ...(flags.outDir ? { outDir: flags.outDir } : {}),
      verifyInstaller: flags.verifyInstaller,
    };
    if (credentials) options.credentials = credentials;
    try {
      validateBuildInstallerOptions(options);
    } catch (e: unknown) {
      throw asUsageError(e, flagNames);
    }
    const progress = createProgressReporter(ctx.io.stderr);
    const result = await buildInstaller(options, {
      exec: spawnExec,
      logger: ctx.logger,
      registry: { onProgress: (e) => progress.onProgress(e) },
    }).finally(() => progress.finish());
    if (flags.json) {
      ctx.io.stdout.write(
        `${JSON.stringify(
          {
            installerImage: result.installerImage,
            installerImages: result.installerImages,
            imagerImage: result.imagerImage,
            installerBaseImage: result.installerBaseImage,
            tarballs: result.tarballs,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      ctx.io.stdout.write(`${result.installerImage}\n`);
    }
    ctx.io.stderr.write(`next: talosctl upgrade --nodes <node> --image ${result.installerImage}\n`);
  });
};
