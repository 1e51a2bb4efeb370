/**
 * The `extensions` input: names (`hailort`) or the extension images the installer was built from,
 * whose manifest.yaml names them. Every value resolves to a name before verification starts; a
 * value that is neither fails here, naming it.
 */
import { FieldError, describeError, type Logger } from '@talos-kmod/common';
import {
  joinChunks,
  openFileTrees,
  type FileTrees,
  type ImageSpec,
  type RegistryOptions,
} from '@talos-kmod/oci';
import { parseExtensionManifest } from '@talos-kmod/talos';
import type { ExpectedExtensionInput } from '../../options';

/** An expected extension: the input as given and the name it stands for. */
export interface ExpectedExtension {
  readonly input: string;
  readonly name: string;
}

async function nameFromImage(
  input: string,
  image: ImageSpec,
  registry: RegistryOptions,
): Promise<string> {
  let opened: FileTrees;
  try {
    opened = await openFileTrees(image, registry);
  } catch (e: unknown) {
    throw new FieldError(
      'extensions',
      (n) =>
        `${n('extensions')} has '${input}', which is neither an extension name nor a readable image (${describeError(e)}): give names such as hailort, or extension image references`,
      { cause: e },
    );
  }
  try {
    const tree = await opened.tree();
    let text: string | undefined;
    await tree?.walk({
      want: (f) => f.path === 'manifest.yaml',
      onFile: (_f, content) => {
        if (content) text = joinChunks(content).toString('utf8');
      },
    });
    const parsed = text === undefined ? undefined : parseExtensionManifest(text);
    if (!parsed?.ok) {
      throw new FieldError(
        'extensions',
        (n) =>
          `${n('extensions')} has '${input}', an image without a readable manifest.yaml${parsed ? ` (${parsed.error})` : ''}: give the system extension image the installer was built from, or its name`,
      );
    }
    return parsed.manifest.metadata.name;
  } finally {
    await opened.close();
  }
}

/** Resolves every value of the `extensions` input to an extension name. */
export async function resolveExpectedExtensions(
  inputs: readonly ExpectedExtensionInput[],
  registry: RegistryOptions,
  logger: Logger,
): Promise<ExpectedExtension[]> {
  const out: ExpectedExtension[] = [];
  for (const { input, image } of inputs) {
    if (!image) {
      out.push({ input, name: input });
      continue;
    }
    const name = await nameFromImage(input, image, registry);
    logger.info(`extension image ${input} is ${name}`);
    out.push({ input, name });
  }
  return out;
}
