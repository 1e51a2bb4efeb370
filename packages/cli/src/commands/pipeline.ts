/**
 * `talos-kmod pipeline`: the four steps in order — build-kernel-pkg, build-extension,
 * build-installer, verify-image — with a progress line per step on stderr, then the pinned
 * references, the verification summary and the `talosctl upgrade` command on stdout (`--json`: one
 * object). Exit 0 when everything passed, 1 when a step or a check failed, 2 for usage errors.
 */
import type { Command } from 'commander';
import {
  isFieldError,
  isUserError,
  spawnExec,
  talosKmodCacheDir,
  type FieldNamer,
} from '@talos-kmod/common';
import type { RunAllOptions, RunAllResult, RunAllStepEvent } from '@talos-kmod/pipeline';
import { exitCodes, jsonText, stdinOf } from '../io';
import { createProgressReporter } from '../progress/bars';
import { addRegistryFlags, registryOptions, type RegistryFlags } from '../registry-flags';
import { UsageError, listFlag, repeatFlag, requireFlags } from '../flags';
import { ownerOf } from '../step-flags';
import type { DefineCommand } from '../command-context';
import { releaseOptions } from '../release-flags';
import { loadPipeline } from '../lazy';

interface Flags extends RegistryFlags {
  pkgs?: string;
  extensions?: string;
  talos?: string;
  imagerImage?: string;
  baseInstallerImage?: string;
  package: string[];
  extension?: string;
  registry: string;
  username?: string;
  platform: string[];
  installerRef?: string;
  module: string[];
  talosVersion?: string;
  releaseMismatch: string;
  extraExtensionImage: string[];
  schematic?: string;
  nodeExtensions?: string;
  extensionsCatalog?: string;
  extraKernelArg: string[];
  cache: boolean;
  cacheDir?: string;
  json?: boolean;
}

function describeEvent(e: RunAllStepEvent): string {
  const head = `[${e.index}/${e.total}] ${e.step}`;
  const took = e.elapsedMs === undefined ? '' : ` in ${(e.elapsedMs / 1000).toFixed(1)} s`;
  if (e.state === 'start') return `${head} …`;
  if (e.state === 'failed') return `${head} failed${took}`;
  return `${head} done${took}${e.detail ? `: ${e.detail}` : ''}`;
}

/** The human summary printed on stdout at the end. */
async function formatRunAllResult(result: RunAllResult, color: boolean): Promise<string> {
  const { formatReportText } = await loadPipeline();
  const rows: [string, string][] = [
    ['kernel-image', result.kernel.kernelImage?.toString() ?? ''],
    ...Object.entries(result.kernel.pkgImages).map(([n, r]): [string, string] => [n, r.toString()]),
    ['extension-image', result.extension.extensionImage?.toString() ?? ''],
    ['imager-image', result.installer.imagerImage.toString()],
    ['installer-image', result.installerImage.toString()],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`),
    '',
    'verify-image: extension against the kernel',
    formatReportText(result.verification.extension, { color }),
    'verify-image: installer',
    formatReportText(result.verification.installer, { color }),
    result.passed
      ? `next: ${result.upgradeCommand}`
      : 'the pipeline FAILED verification: fix the checks above before upgrading a node',
    '',
  ].join('\n');
}

/**
 * Spells the steps' fields as this command's flags: `modules` → `--module`, `platforms` →
 * `--platform`, `extra-kernel-args` → `--extra-kernel-arg`; a field without a flag keeps its name.
 */
function flagNamerOf(command: Command): FieldNamer {
  const longs = new Set(command.options.map((o) => o.long));
  return (field) =>
    [`--${field}`, `--${field.replace(/s$/, '')}`].find((f) => longs.has(f)) ?? `'${field}'`;
}

/** Defines `pipeline`. */
export const definePipeline: DefineCommand = (command: Command, context) => {
  command
    .option('--pkgs <dir>', '(required) siderolabs/pkgs checkout (fork) with the module package')
    .option(
      '--extensions <dir>',
      '(required) siderolabs/extensions checkout (fork) with the extension',
    )
    .option('--talos <dir>', 'siderolabs/talos checkout: build installer-base and imager')
    .option('--imager-image <ref>', 'a pinned imager instead of --talos')
    .option('--base-installer-image <ref>', 'installer-base for --imager-image')
    .option('--package <name>', 'module package by pkg.yaml name (repeatable)', listFlag, [])
    .option('--extension <name>', '(required) extension to build, e.g. hailort')
    .option('--registry <host>', 'registry to push to', 'ghcr.io')
    .option('--username <name>', 'registry namespace (USERNAME; default $GITHUB_REPOSITORY_OWNER)')
    .option('--platform <os/arch>', 'platform (repeatable; default linux/amd64)', listFlag, [])
    .option('--installer-ref <ref>', 'where to publish the installer (default ttl.sh/<uuid>:1h)')
    .option('--module <name>', 'module that must be in the extension (repeatable)', listFlag, [])
    .option(
      '--talos-version <v>',
      'Talos version the installer targets; the checkouts are checked against it (talos-kmod refs)',
    )
    .option(
      '--release-mismatch <level>',
      'a checkout of another release than --talos-version: warn or error',
      'warn',
    )
    .option(
      '--extra-extension-image <ref@sha256:…>',
      "the node's other extensions to keep, pinned (repeatable); verified against the kernel first",
      listFlag,
      [],
    )
    .option('--schematic <file>', 'Image Factory schematic YAML whose officialExtensions are kept')
    .option(
      '--node-extensions <file>',
      "saved 'talosctl get extensions -o yaml' output: the node's extensions are kept",
    )
    .option(
      '--extensions-catalog <repo|file>',
      'where official names resolve (default ghcr.io/siderolabs/extensions:<talos-version>)',
    )
    .option(
      '--extra-kernel-arg <arg>',
      'kernel argument for the installer (repeatable)',
      repeatFlag,
      [],
    )
    .option(
      '--no-cache',
      'rebuild the kernel and packages even when an unchanged result is recorded',
    )
    .option('--cache-dir <dir>', 'where kernel builds are recorded (default ~/.cache/talos-kmod)')
    .option('--json', 'print every result as one JSON object');
  addRegistryFlags(command).action(async (flags: Flags) => {
    const { createDirectoryCache, runAll, validateRunAllOptions } = await loadPipeline();
    const ctx = context();
    requireFlags('pipeline', {
      pkgs: flags.pkgs,
      extensions: flags.extensions,
      extension: flags.extension ?? '',
    });
    const username = ownerOf(flags.username, ctx.io.env);
    const registry = await registryOptions(flags, ctx.logger, ctx.io.env, stdinOf(ctx.io));
    const options: RunAllOptions = {
      pkgsDir: flags.pkgs ?? '',
      extensionsDir: flags.extensions ?? '',
      ...(flags.talos ? { talosDir: flags.talos } : {}),
      ...(flags.imagerImage ? { imagerImage: flags.imagerImage } : {}),
      ...(flags.baseInstallerImage ? { baseInstallerImage: flags.baseInstallerImage } : {}),
      packages: flags.package,
      extension: flags.extension ?? '',
      registry: flags.registry,
      username,
      platforms: flags.platform.length > 0 ? flags.platform : ['linux/amd64'],
      ...(flags.installerRef ? { installerRef: flags.installerRef } : {}),
      modules: flags.module,
      ...releaseOptions(flags),
      extraExtensionImages: flags.extraExtensionImage,
      ...(flags.schematic ? { schematic: flags.schematic } : {}),
      ...(flags.nodeExtensions ? { nodeExtensions: flags.nodeExtensions } : {}),
      ...(flags.extensionsCatalog ? { extensionsCatalog: flags.extensionsCatalog } : {}),
      extraKernelArgs: flags.extraKernelArg,
      insecureRegistries: flags.insecureRegistry,
      ...(registry.credentials && typeof registry.credentials === 'object'
        ? { credentials: registry.credentials }
        : {}),
      cache: flags.cache,
    };
    const asUsage = (e: unknown): unknown =>
      isFieldError(e)
        ? new UsageError(e.wordFor(flagNamerOf(command)), { cause: e, details: e.details })
        : e;
    try {
      validateRunAllOptions(options);
    } catch (e: unknown) {
      const mapped = asUsage(e);
      throw mapped === e && isUserError(e) ? new UsageError(e.message) : mapped;
    }
    const cacheDir = flags.cacheDir ?? talosKmodCacheDir(ctx.io.env, 'build-kernel-pkg');
    const progress = createProgressReporter(ctx.io.stderr);
    const result = await runAll(options, {
      exec: spawnExec,
      logger: ctx.logger,
      env: { ...process.env, ...ctx.io.env },
      registry: { ...registry, onProgress: (e) => progress.onProgress(e) },
      ...(flags.cache ? { resultCache: createDirectoryCache(cacheDir) } : {}),
      onStep: (e) => ctx.io.stderr.write(`${describeEvent(e)}\n`),
    })
      .catch((e: unknown) => {
        throw asUsage(e);
      })
      .finally(() => progress.finish());
    if (flags.json) {
      ctx.io.stdout.write(
        `${jsonText({
          passed: result.passed,
          kernelImage: result.kernel.kernelImage,
          pkgImages: result.kernel.pkgImages,
          pkgsTag: result.kernel.pkgsTag,
          cacheHit: result.kernel.cacheHit,
          extensionImage: result.extension.extensionImage,
          extensionVersion: result.extension.extensionVersion,
          imagerImage: result.installer.imagerImage,
          installerBaseImage: result.installer.installerBaseImage,
          installerImage: result.installerImage,
          installerImages: result.installer.installerImages,
          verification: result.verification,
          upgradeCommand: result.upgradeCommand,
        })}\n`,
      );
    } else {
      ctx.io.stdout.write(await formatRunAllResult(result, Boolean(ctx.io.stdout.isTTY)));
    }
    if (!result.passed) ctx.setExitCode(exitCodes.failed);
  });
};
