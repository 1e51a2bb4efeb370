/**
 * `talos-kmod push <source> <dest-ref>`: pushes an image (docker-archive:, oci-archive:, oci:, or a
 * registry reference) like `crane push`, and prints the pinned reference on stdout.
 */
import type { Command } from 'commander';
import { parseReference, push } from '@talos-kmod/oci';
import { createProgressReporter, formatBytes } from '../progress/bars';
import {
  accessExitCode,
  addRegistryFlags,
  platformFlag,
  registryOptions,
  type RegistryFlags,
} from '../registry-flags';
import type { DefineCommand } from '../command-context';
import { parseImageArg } from '../image-arg';
import { jsonText, stdinOf } from '../io';

interface Flags extends RegistryFlags {
  platform?: string;
  keepUncompressed?: boolean;
  json?: boolean;
}

/** Defines `push`. */
export const definePush: DefineCommand = (command: Command, context) => {
  addRegistryFlags(
    command
      .argument(
        '<source>',
        'docker-archive:PATH, oci-archive:PATH, oci:DIR[:ref], or a registry reference',
      )
      .argument('<dest-ref>', 'where to push, e.g. ghcr.io/acme/installer:v1 (default tag: latest)')
      .option('--platform <os/arch>', 'push only this platform of a multi-platform source')
      .option(
        '--keep-uncompressed',
        'push uncompressed layers as they are instead of gzipping them',
      )
      .option(
        '--json',
        'print {reference, digest, uploadedBlobs, skippedBlobs, mountedBlobs, uploadedBytes} as JSON',
      ),
    { registryHost: true },
  ).action(async (source: string, dest: string, flags: Flags) => {
    const ctx = context();
    const image = parseImageArg(source);
    const destination = parseReference(dest);
    const options = await registryOptions(flags, ctx.logger, ctx.io.env, stdinOf(ctx.io), {
      transport: 'registry',
      reference: destination,
    });
    const progress = createProgressReporter(ctx.io.stderr);
    try {
      const result = await push(image, destination, {
        ...options,
        onProgress: (e) => progress.onProgress(e),
        ...(flags.platform ? { platform: platformFlag(flags.platform) } : {}),
        ...(flags.keepUncompressed ? { uncompressedLayers: 'keep' as const } : {}),
      });
      progress.finish();
      ctx.logger.info(
        `pushed ${result.reference.toString()}: ${result.uploadedBlobs} blob(s) uploaded (${formatBytes(result.uploadedBytes)}), ${result.skippedBlobs} already there${result.mountedBlobs ? ` (${result.mountedBlobs} mounted)` : ''}`,
      );
      ctx.io.stdout.write(
        flags.json ? `${jsonText(result)}\n` : `${result.reference.toString()}\n`,
      );
    } catch (e: unknown) {
      progress.finish();
      throw e instanceof Error ? accessExitCode(e) : e;
    }
  });
};
