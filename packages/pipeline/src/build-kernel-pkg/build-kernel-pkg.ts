/**
 * build-kernel-pkg: `make kernel <packages…>` in a pkgs checkout — one invocation, so one builder,
 * one kernel-build and one throw-away signing key — then every pushed image is resolved from the
 * registry by its tag, checked against buildx's metadata, and (with verify-signatures) every
 * package's modules are checked against the kernel image's key. With a cache, an unchanged re-run
 * whose images are still in the registry skips make and returns the recorded references.
 */
import { formatCommand, type Logger } from '@talos-kmod/common';
import { imageIn, type Namespace, type PinnedReference, type Tag } from '@talos-kmod/oci';
import {
  kernelTarget,
  pkgsMakeArgs,
  readPkgsCheckout,
  resolvePkgsTargets,
  type PkgsCheckout,
} from '@talos-kmod/talos';
import type { ResultCache } from '../build-cache/result-cache';
import { kernelPkgCacheKey } from './cache-key';
import type { KernelPkgRecord } from './cache-record';
import { restoreRecord, saveRecord } from './cache-step';
import { validateKernelPkgOptions, type BuildKernelPkgOptions } from './options';
import type { ValidatedCommon } from '../step-kit/build-options';
import { checkReleasePairing } from '../step-kit/release-pairing';
import {
  runBuildStep,
  type BuildStepDeps,
  type BuildStepKit,
  type MakeTag,
} from '../step-kit/build-step';
import {
  signatureChecker,
  type SignatureCheck,
  type VerifyAgainstKernelFn,
} from './signature-check';
import { verifyAfterPush } from './verify-after-push';

/** What the step needs from its caller. */
export interface BuildKernelPkgDeps extends BuildStepDeps {
  /** Where results are remembered; without one, `cache: true` only logs that caching is off. */
  readonly resultCache?: ResultCache;
  /** Replaces the signature check (tests, or another engine). */
  readonly verifyAgainstKernel?: VerifyAgainstKernelFn;
}

/** What the step produced. Images are pinned references; absent when nothing was pushed. */
export interface BuildKernelPkgResult {
  readonly targets: readonly string[];
  readonly packages: readonly string[];
  readonly pkgsTag: Tag;
  /** `registry/username`: what build-extension takes as `pkgs-prefix`. */
  readonly pkgsPrefix: Namespace;
  readonly pushed: boolean;
  readonly cacheHit: boolean;
  readonly kernelImage?: PinnedReference;
  /** Package name → pinned reference. */
  readonly pkgImages: Readonly<Record<string, PinnedReference>>;
  /** The package's pinned reference when exactly one package was built. */
  readonly pkgImage?: PinnedReference;
  /** The make command that ran (absent on a cache hit). */
  readonly makeCommand?: string;
  readonly verification: readonly SignatureCheck[];
  /** Things the user should know (push: false, dirty tag, cache state). */
  readonly notes: readonly string[];
  readonly cacheKey?: string;
}

/** Runs the step. */
export async function buildKernelPkg(
  o: BuildKernelPkgOptions,
  deps: BuildKernelPkgDeps,
): Promise<BuildKernelPkgResult> {
  const valid = validateKernelPkgOptions(o);
  const checkout = await readPkgsCheckout(o.pkgsDir);
  const targets = resolvePkgsTargets(checkout, o.packages);
  const packages = targets.filter((t) => t !== kernelTarget);
  const notes: string[] = [];
  if (o.talosVersion) {
    const pairing = await checkReleasePairing(
      'pkgs',
      checkout.dir,
      o.talosVersion,
      o.releaseMismatch ?? 'warn',
      deps,
    );
    if (pairing.verdict !== 'match') notes.push(pairing.message);
  }
  const prefix = valid.namespace;
  return runBuildStep(o, checkout, deps, async (kit) => {
    const { tag } = kit;
    if (kit.dirtyTag) {
      notes.push(
        `the pkgs checkout has uncommitted changes, so the tag is '${tag}' (the Makefile's own rule); commit them for a reproducible tag or set the tag input`,
      );
    }
    deps.logger.info(
      `pkgs checkout ${checkout.dir}: building ${targets.join(', ')} as ${prefix}/<target>:${tag}`,
    );
    const ctx: RunContext = {
      o,
      deps,
      kit,
      valid,
      checkout,
      targets,
      packages,
      tag,
      prefix,
      notes,
      base: { targets, packages, pkgsTag: tag, pkgsPrefix: prefix },
    };
    if (!o.push) return buildWithoutPush(ctx);
    await kit.preflightPush(imageIn(valid.namespace, kernelTarget, tag));
    let cacheKey: string | undefined;
    if (o.cache && deps.resultCache) {
      const { key, inputs } = await kernelPkgCacheKey(
        checkout,
        targets,
        {
          platforms: valid.platforms,
          prefix: prefix.toString(),
          makeArgs: valid.makeArgs,
          ...(o.tag ? { explicitTag: o.tag } : {}),
        },
        deps.exec,
      );
      cacheKey = key;
      deps.logger.debug(`cache key ${key} from ${JSON.stringify(inputs)}`);
      const hit = await restoreRecord(deps.resultCache, key, kit.client, deps.logger);
      const images = hit && recordedImages(hit, packages, deps.logger);
      if (hit && images) return await cachedResult(ctx, hit, images, deps.resultCache);
    } else if (o.cache) {
      notes.push('cache is on but no cache store is available here; the build ran in full');
    }
    return await buildAndPush(ctx, cacheKey);
  });
}

/** What the phases of one run share. */
interface RunContext {
  readonly o: BuildKernelPkgOptions;
  readonly deps: BuildKernelPkgDeps;
  readonly kit: BuildStepKit;
  readonly valid: ValidatedCommon;
  readonly checkout: PkgsCheckout;
  readonly targets: readonly string[];
  readonly packages: readonly string[];
  readonly tag: MakeTag;
  readonly prefix: Namespace;
  readonly notes: string[];
  readonly base: Pick<BuildKernelPkgResult, 'targets' | 'packages' | 'pkgsTag' | 'pkgsPrefix'>;
}

function onePackage(
  packages: readonly string[],
  images: Readonly<Record<string, PinnedReference>>,
): { pkgImage?: PinnedReference } {
  const image = packages.length === 1 ? images[packages[0] as string] : undefined;
  return image ? { pkgImage: image } : {};
}

/** push: false — make with PUSH=false; no pinned references, no verification, no cache. */
async function buildWithoutPush(ctx: RunContext): Promise<BuildKernelPkgResult> {
  const { valid, targets, tag, notes } = ctx;
  notes.push(
    'push is false: the images were built but not pushed, so kernel-image, pkg-images and pkg-image are empty ' +
      '(a pinned reference needs the digest the registry assigns), and verify-signatures and the cache were skipped. ' +
      'pkgs-tag and pkgs-prefix are set; set push: true to get pinned references.',
  );
  const args = pkgsMakeArgs({
    ...valid,
    targets,
    push: false,
    tag,
  });
  await ctx.kit.make(args);
  return {
    ...ctx.base,
    pushed: false,
    cacheHit: false,
    pkgImages: {},
    makeCommand: formatCommand('make', args),
    verification: [],
    notes,
  };
}

/** The recorded image of every package, or undefined (a miss) when the entry lacks one. */
function recordedImages(
  hit: KernelPkgRecord,
  packages: readonly string[],
  logger: Logger,
): Record<string, PinnedReference> | undefined {
  const images: Record<string, PinnedReference> = {};
  for (const p of packages) {
    const image = hit.pkgImages[p];
    if (!image) {
      logger.info(`cache entry unusable: it records no image for ${p}`);
      return undefined;
    }
    images[p] = image;
  }
  return images;
}

/** A usable cache entry: make is skipped; an entry recorded without verification is verified now. */
async function cachedResult(
  ctx: RunContext,
  hit: KernelPkgRecord,
  pkgImages: Record<string, PinnedReference>,
  cache: ResultCache,
): Promise<BuildKernelPkgResult> {
  const { o, deps, packages, notes } = ctx;
  const { client, registryOptions } = ctx.kit;
  notes.push(
    `cache hit (${cache.description}, key ${hit.key}): make was skipped; the images recorded ${hit.createdAt} are still in the registry under tag '${hit.pkgsTag}'`,
  );
  let verification: SignatureCheck[] = [];
  if (o.verifySignatures && !hit.verified) {
    verification = await deps.logger.group('verify signatures against the kernel', () =>
      verifyAfterPush(
        ctx.checkout,
        packages,
        pkgImages,
        hit.kernelImage,
        ctx.valid.namespace,
        hit.pkgsTag,
        client,
        {
          verify: deps.verifyAgainstKernel ?? signatureChecker(registryOptions, deps.logger),
          logger: deps.logger,
        },
      ),
    );
  }
  return {
    ...ctx.base,
    pkgsTag: hit.pkgsTag,
    pkgsPrefix: hit.pkgsPrefix,
    pushed: true,
    cacheHit: true,
    kernelImage: hit.kernelImage,
    pkgImages,
    ...onePackage(packages, pkgImages),
    verification,
    notes,
    cacheKey: hit.key,
  };
}

/** make with PUSH=true, then resolve, cross-check, verify, and record. */
async function buildAndPush(
  ctx: RunContext,
  cacheKey: string | undefined,
): Promise<BuildKernelPkgResult> {
  const { o, deps, kit, valid, targets, packages, tag, prefix, notes } = ctx;
  const { logger } = deps;
  const args = pkgsMakeArgs({
    ...valid,
    targets,
    push: true,
    tag,
    ciArgs: kit.ciArgs,
  });
  await kit.make(args);
  const pinned = await kit.resolvePushed(
    targets.map((t) => ({ target: t, ref: imageIn(valid.namespace, t, tag) })),
  );
  const kernelImage = pinned[kernelTarget] as PinnedReference;
  const pkgImages = Object.fromEntries(packages.map((p) => [p, pinned[p] as PinnedReference]));
  let verification: SignatureCheck[] = [];
  if (o.verifySignatures) {
    verification = await logger.group('verify signatures against the kernel', () =>
      verifyAfterPush(
        ctx.checkout,
        packages,
        pkgImages,
        kernelImage,
        valid.namespace,
        tag,
        kit.client,
        {
          verify: deps.verifyAgainstKernel ?? signatureChecker(kit.registryOptions, logger),
          logger,
        },
      ),
    );
  }
  if (cacheKey && deps.resultCache) {
    await saveRecord(
      deps.resultCache,
      {
        version: 1,
        key: cacheKey,
        createdAt: new Date().toISOString(),
        pkgsTag: tag,
        pkgsPrefix: prefix,
        kernelImage,
        pkgImages,
        verified: o.verifySignatures,
      },
      logger,
    );
  }
  return {
    ...ctx.base,
    pushed: true,
    cacheHit: false,
    kernelImage,
    pkgImages,
    ...onePackage(packages, pkgImages),
    makeCommand: formatCommand('make', args),
    verification,
    notes,
    ...(cacheKey ? { cacheKey } : {}),
  };
}
