/**
 * `talos-kmod inspect <source>`: platforms, manifest, config and layers of an image or index;
 * `--json` for the whole structure.
 */
import type { Command } from 'commander';
import {
  formatPlatform,
  openImage,
  type Image,
  type ImageSource,
  type Platform,
} from '@talos-kmod/oci';
import { formatBytes } from '../progress/bars';
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
  json?: boolean;
  platform?: string;
}

function describeImage(image: Image) {
  const config = image.config as {
    created?: unknown;
    config?: { Entrypoint?: unknown; Cmd?: unknown; Labels?: unknown };
  };
  return {
    digest: image.digest,
    mediaType: image.mediaType,
    platform: image.platform ? formatPlatform(image.platform) : undefined,
    created: typeof config.created === 'string' ? config.created : undefined,
    config: image.configDescriptor,
    layers: image.layers,
    size: image.layers.reduce((n, l) => n + l.size, image.configDescriptor.size),
    manifest: image.manifest,
    imageConfig: image.config,
  };
}

async function collect(source: ImageSource, platform?: Platform) {
  const index = platform ? undefined : await source.index();
  if (!index) {
    return { source: source.description, images: [describeImage(await source.image(platform))] };
  }
  const platforms = await source.platforms();
  const images = [];
  for (const p of platforms) images.push(describeImage(await source.image(p)));
  return {
    source: source.description,
    index: { digest: index.digest, mediaType: index.mediaType, manifests: index.manifests },
    images,
  };
}

/** Defines `inspect`. */
export const defineInspect: DefineCommand = (command: Command, context) => {
  addRegistryFlags(
    command
      .argument(
        '<source>',
        'docker-archive:PATH, oci-archive:PATH, oci:DIR[:ref], or a registry reference',
      )
      .option('--json', 'print everything as JSON')
      .option('--platform <os/arch>', 'only this platform of a multi-platform image'),
    { registryHost: true },
  ).action(async (spec: string, flags: Flags) => {
    const ctx = context();
    const image = parseImageArg(spec);
    const options = await registryOptions(flags, ctx.logger, ctx.io.env, stdinOf(ctx.io), image);
    const platform = platformFlag(flags.platform);
    let source: ImageSource | undefined;
    try {
      source = await openImage(image, options);
      const info = await collect(source, platform);
      if (flags.json) {
        ctx.io.stdout.write(`${jsonText(info)}\n`);
        return;
      }
      const out: string[] = [`source:     ${info.source}`];
      if (info.index) {
        out.push(`index:      ${info.index.digest} (${info.index.mediaType})`);
        out.push(`platforms:  ${info.images.map((i) => i.platform ?? '?').join(', ')}`);
      }
      for (const image of info.images) {
        out.push('');
        out.push(`image:      ${image.digest}${image.platform ? `  ${image.platform}` : ''}`);
        out.push(`mediaType:  ${image.mediaType}`);
        if (image.created) out.push(`created:    ${image.created}`);
        out.push(`config:     ${image.config.digest} (${formatBytes(image.config.size)})`);
        out.push(`layers:     ${image.layers.length}, ${formatBytes(image.size)} in total`);
        for (const l of image.layers)
          out.push(`  ${l.digest}  ${formatBytes(l.size).padStart(10)}  ${l.mediaType}`);
      }
      ctx.io.stdout.write(textLines(out));
    } catch (e: unknown) {
      throw e instanceof Error ? accessExitCode(e) : e;
    } finally {
      await source?.close();
    }
  });
};
