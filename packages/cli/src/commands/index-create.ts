/**
 * `talos-kmod index create <dest> <source…>`: joins per-platform images (built on separate
 * machines) into one multi-platform index under `dest`, refusing duplicate or unnamed platforms,
 * and prints the pinned index reference (`--json`: the index and its entries).
 */
import type { Command } from 'commander';
import { createIndexes } from '@talos-kmod/pipeline';
import { formatImageSpec, parseImageSpec } from '@talos-kmod/oci';
import { UsageError, listFlag } from '../flags';
import {
  accessExitCode,
  addRegistryFlags,
  registryOptions,
  type RegistryFlags,
} from '../registry-flags';
import type { DefineCommand } from '../command-context';
import { jsonText, stdinOf } from '../io';

interface Flags extends RegistryFlags {
  platform: string[];
  json?: boolean;
}

/** Defines `index` and its subcommand `create`. */
export const defineIndex: DefineCommand = (index: Command, context) => {
  addRegistryFlags(
    index
      .command('create')
      .description(
        'Push one index under <dest> pointing at the platform images of the sources; prints the pinned index',
      )
      .argument('<dest>', 'where the index goes, repository:tag (e.g. ghcr.io/acme/kernel:v1.11.5)')
      .argument(
        '<source...>',
        'per-platform images in the same registry, by tag or pinned (an index contributes its platform images)',
      )
      .option(
        '--platform <os/arch>',
        'a platform the index must hold (repeatable or comma-separated); a missing or extra one fails, naming it',
        listFlag,
        [],
      )
      .option(
        '--json',
        'print {reference, digest, mediaType, entries: [{platform, reference, source}]}',
      )
      .addHelpText(
        'after',
        '\nExample:\n  talos-kmod index create ghcr.io/acme/kernel:v1 ghcr.io/acme/kernel:v1-amd64 ghcr.io/acme/kernel:v1-arm64 --platform linux/amd64,linux/arm64',
      ),
    { registryHost: true },
  ).action(async (dest: string, sources: string[], flags: Flags) => {
    const ctx = context();
    for (const source of sources) {
      const spec = parseImageSpec(source);
      if (spec.transport !== 'registry') {
        throw new UsageError(
          `source '${source}' is ${formatImageSpec(spec)}, not an image in a registry: an index can only point at pushed images; push it first ('talos-kmod push ${source} <dest-repository>:<platform-tag>') and give the reference it prints`,
        );
      }
    }
    const registry = await registryOptions(flags, ctx.logger, ctx.io.env, stdinOf(ctx.io), dest);
    try {
      const { results } = await createIndexes(
        {
          indexes: [{ destination: dest, sources }],
          ...(flags.platform.length > 0 ? { platforms: flags.platform } : {}),
        },
        { logger: ctx.logger, registry },
      );
      const result = results[0];
      if (!result) return;
      ctx.io.stdout.write(
        flags.json
          ? `${jsonText({
              reference: result.reference,
              digest: result.digest,
              mediaType: result.mediaType,
              entries: result.entries,
            })}\n`
          : `${result.reference}\n`,
      );
    } catch (e: unknown) {
      throw e instanceof Error ? accessExitCode(e) : e;
    }
  });
};
