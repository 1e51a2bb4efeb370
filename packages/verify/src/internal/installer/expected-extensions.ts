/**
 * The `extensions` input: names (`hailort`) or the extension images the installer was built from,
 * whose manifest.yaml names them. Every value resolves to a name before verification starts; a
 * value that is neither fails here, naming it.
 */
import { UserError, describeError, type Logger } from '@talos-kmod/common';
import { joinChunks, type RegistryOptions } from '@talos-kmod/oci';
import { parseExtensionManifest } from '@talos-kmod/talos';
import { openFileTrees } from '../file-tree';

/** An expected extension: the input as given and the name it stands for. */
export interface ExpectedExtension {
  readonly input: string;
  readonly name: string;
}

const plainName = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

async function nameFromImage(input: string, registry: RegistryOptions): Promise<string> {
  let opened;
  try {
    opened = await openFileTrees(input, registry);
  } catch (e: unknown) {
    throw new UserError(
      `input 'extensions' has '${input}', which is neither an extension name nor a readable image (${describeError(e)}): give names such as hailort, or extension image references`,
    );
  }
  try {
    const tree = await opened.tree(opened.platforms[0]);
    let text: string | undefined;
    await tree?.walk({
      want: (f) => f.path === 'manifest.yaml',
      onFile: (_f, content) => {
        if (content) text = joinChunks(content).toString('utf8');
      },
    });
    const parsed = text === undefined ? undefined : parseExtensionManifest(text);
    if (!parsed?.ok) {
      throw new UserError(
        `input 'extensions' has '${input}', an image without a readable manifest.yaml${parsed ? ` (${parsed.error})` : ''}: give the system extension image the installer was built from, or its name`,
      );
    }
    return parsed.manifest.metadata.name;
  } finally {
    await opened.close();
  }
}

/** Resolves every value of the `extensions` input to an extension name. */
export async function resolveExpectedExtensions(
  inputs: readonly string[],
  registry: RegistryOptions,
  logger: Logger,
): Promise<ExpectedExtension[]> {
  const out: ExpectedExtension[] = [];
  for (const input of inputs) {
    if (plainName.test(input) && !input.includes(':')) {
      out.push({ input, name: input });
      continue;
    }
    const name = await nameFromImage(input, registry);
    logger.info(`extension image ${input} is ${name}`);
    out.push({ input, name });
  }
  return out;
}
