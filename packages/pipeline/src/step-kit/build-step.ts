/**
 * The skeleton both make-driven build steps share, in one place: the tag (the checkout's own
 * `git describe` rule unless given), the buildx preflight, one registry client for the step, the
 * temporary directory buildx writes its metadata into, the registry preflight before a push,
 * make with the step's credentials around it, resolving what was pushed to pinned references,
 * and the cleanup of all of it. The step supplies what is its own (targets, make arguments,
 * versions, cache) in `body`.
 */
import { rm } from 'node:fs/promises';
import { UserError, type ExecFn, type Logger } from '@talos-kmod/common';
import {
  createRegistryClient,
  parseTag,
  type Namespace,
  type PinnedReference,
  type Reference,
  type RegistryClient,
  type RegistryOptions,
  type Tag,
} from '@talos-kmod/oci';
import {
  describeTag,
  makeVariable,
  metadataFileCiArg,
  type MakefileInfo,
  type MakeValue,
} from '@talos-kmod/talos';
import type { RegistryAccess } from './build-options';
import { withDockerCredentials } from './docker-credentials';
import { runMake } from './make-step';
import { metadataPath } from './metadata';
import { preflightBuildx, preflightRegistry } from './preflight';
import { resolvePushed } from './resolve-pushed';
import { createMetadataDir, stepRegistryOptions } from './step-support';

/** What a build step's caller gives it besides its options. */
export interface BuildStepDeps {
  readonly exec: ExecFn;
  readonly logger: Logger;
  /** Environment for make (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Docker config directory for registry credentials (default `$DOCKER_CONFIG` or ~/.docker). */
  readonly dockerConfigDir?: string;
  /** Parent of the temporary metadata directory (default: the OS temp dir). */
  readonly tmpDir?: string;
}

/** The options the skeleton reads. */
export interface BuildStepTarget extends RegistryAccess {
  /** Where the step pushes: its registry gets the explicit credentials and the preflight. */
  readonly namespace: Namespace;
  readonly push: boolean;
  /** The tag option. */
  readonly tag?: Tag;
}

/** An image tag that is also a make value (the tag grammar admits only make-safe characters). */
export type MakeTag = Tag & MakeValue;

/** `git describe`'s tag as an image tag; a {@link UserError} naming it when it is not one. */
function describedTag(text: MakeValue, dir: string): MakeTag {
  try {
    return parseTag(text) as MakeTag;
  } catch (e: unknown) {
    throw new UserError(
      `the tag 'git describe' printed in ${dir} is '${text}', which is not a valid image tag: set the tag input`,
      { cause: e },
    );
  }
}

/** What the skeleton hands the step's body. */
export interface BuildStepKit {
  /** The image tag: the option, else the checkout's `git describe`. */
  readonly tag: MakeTag;
  /** True when the tag was described from a checkout with uncommitted changes (`-dirty`). */
  readonly dirtyTag: boolean;
  readonly client: RegistryClient;
  readonly registryOptions: RegistryOptions;
  /** `CI_ARGS` flags that make buildx write one metadata file per target. */
  readonly ciArgs: readonly string[];
  /** The metadata file buildx writes for `target`, when metadata files were requested. */
  metadataFile(target: string): string | undefined;
  /** Fails before make when the registry does not answer `probe` (a reference it would push). */
  preflightPush(probe: Reference): Promise<void>;
  /** Runs `make args…` in the checkout, the step's credentials in a temporary docker config. */
  make(args: readonly string[]): Promise<void>;
  /** The pushed targets as pinned references, cross-checked with buildx's metadata files. */
  resolvePushed(
    targets: readonly { target: string; ref: Reference }[],
    title?: string,
  ): Promise<Record<string, PinnedReference>>;
}

/** Runs a build step's `body` inside the skeleton; everything it opened is closed after. */
export async function runBuildStep<T>(
  o: BuildStepTarget,
  checkout: { readonly dir: string; readonly makefile: MakefileInfo },
  deps: BuildStepDeps,
  body: (kit: BuildStepKit) => Promise<T>,
): Promise<T> {
  const { exec, logger } = deps;
  const env = deps.env ?? process.env;
  const registry = o.namespace.registry;
  const tag =
    o.tag !== undefined
      ? (o.tag as MakeTag)
      : describedTag(await describeTag(checkout.dir, exec), checkout.dir);
  await preflightBuildx(makeVariable(checkout.makefile, 'BUILD'), checkout.dir, exec, env);
  const registryOptions = stepRegistryOptions({ ...o, registry }, deps);
  const client = createRegistryClient(registryOptions);
  const metaDir = await createMetadataDir(deps.tmpDir, logger);
  try {
    return await body({
      tag,
      dirtyTag: !o.tag && tag.endsWith('-dirty'),
      client,
      registryOptions,
      ciArgs: metaDir ? [metadataFileCiArg(metaDir)] : [],
      metadataFile: (target) => (metaDir ? metadataPath(metaDir, target) : undefined),
      preflightPush: (probe) => preflightRegistry(client, probe, registry),
      make: (args) =>
        withDockerCredentials(env, [registry], o.credentials, logger, (withCreds) =>
          runMake(exec, logger, checkout.dir, args, withCreds),
        ),
      resolvePushed: (targets, title = 'resolve pushed images') =>
        logger.group(title, () =>
          resolvePushed(
            client,
            targets.map((t) => ({
              ...t,
              ...(metaDir ? { metadataFile: metadataPath(metaDir, t.target) } : {}),
            })),
            logger,
          ),
        ),
    });
  } finally {
    if (metaDir) await rm(metaDir, { recursive: true, force: true });
    await client.close();
  }
}
