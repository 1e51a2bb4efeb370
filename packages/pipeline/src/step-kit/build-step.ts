/**
 * The skeleton both make-driven build steps share, in one place: the tag (the checkout's own
 * `git describe` rule unless given), the buildx preflight, one registry client for the step, the
 * temporary directory buildx writes its metadata into, the registry preflight before a push,
 * make with the step's credentials around it, resolving what was pushed to pinned references,
 * and the cleanup of all of it. The step supplies what is its own (targets, make arguments,
 * versions, cache) in `body`.
 */
import { rm } from 'node:fs/promises';
import type { ExecFn, Logger } from '@talos-kmod/common';
import {
  createRegistryClient,
  type PinnedReference,
  type Reference,
  type RegistryClient,
  type RegistryOptions,
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
  readonly registry: string;
  readonly push: boolean;
  /** The validated tag option. */
  readonly tag?: MakeValue;
}

/** What the skeleton hands the step's body. */
export interface BuildStepKit {
  /** The image tag: the option, else the checkout's `git describe`. */
  readonly tag: MakeValue;
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
  const tag = o.tag ?? (await describeTag(checkout.dir, exec));
  await preflightBuildx(makeVariable(checkout.makefile, 'BUILD'), checkout.dir, exec, env);
  const registryOptions = stepRegistryOptions(o, deps);
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
      preflightPush: (probe) => preflightRegistry(client, probe, o.registry),
      make: (args) =>
        withDockerCredentials(env, [o.registry], o.credentials, logger, (withCreds) =>
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
