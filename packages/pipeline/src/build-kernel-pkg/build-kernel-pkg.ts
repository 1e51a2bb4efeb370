/**
 * build-kernel-pkg: `make kernel <packages…>` in a pkgs checkout — one invocation, so one builder,
 * one kernel-build and one throw-away signing key — then every pushed image is resolved from the
 * registry by its tag, checked against buildx's metadata, and (with verify-signatures) every
 * package's modules are checked against the kernel image's key. With a cache, an unchanged re-run
 * whose images are still in the registry skips make and returns the recorded references.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError, formatCommand, type ExecFn, type Logger } from '@talos-kmod/common';
import {
  createRegistryClient,
  parseReference,
  type RegistryClient,
  type RegistryOptions,
} from '@talos-kmod/oci';
import {
  describeTag,
  findUnsafeCharacter,
  isModulePackage,
  kernelTarget,
  metadataFileCiArg,
  modulePackages,
  pkgsMakeArgs,
  readPkgsCheckout,
  resolvePkgsTargets,
} from '@talos-kmod/talos';
import type { ResultCache } from '../build-cache/result-cache';
import { kernelPkgCacheKey } from './cache-key';
import { parseKernelPkgRecord, recordStillValid, type KernelPkgRecord } from './cache-record';
import { withDockerCredentials } from './docker-config';
import { runMake } from './make-step';
import { metadataPath } from './metadata';
import { validateKernelPkgOptions, type BuildKernelPkgOptions } from './options';
import { preflightRegistry } from './preflight';
import { resolvePushed } from './resolve-pushed';
import {
  signatureChecker,
  type SignatureCheck,
  type VerifyAgainstKernelFn,
} from './signature-check';

/** What the step needs from its caller. */
export interface BuildKernelPkgDeps {
  readonly exec: ExecFn;
  readonly logger: Logger;
  /** Where results are remembered; without one, `cache: true` only logs that caching is off. */
  readonly resultCache?: ResultCache;
  /** Replaces the signature check (tests, or another engine). */
  readonly verifyAgainstKernel?: VerifyAgainstKernelFn;
  /** Environment for make (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Docker config directory for registry credentials (default `$DOCKER_CONFIG` or ~/.docker). */
  readonly dockerConfigDir?: string;
  /** Parent of the temporary metadata directory (default: the OS temp dir). */
  readonly tmpDir?: string;
}

/** What the step produced. Images are pinned references; absent when nothing was pushed. */
export interface BuildKernelPkgResult {
  readonly targets: readonly string[];
  readonly packages: readonly string[];
  readonly pkgsTag: string;
  /** `registry/username`: what build-extension takes as `pkgs-prefix`. */
  readonly pkgsPrefix: string;
  readonly pushed: boolean;
  readonly cacheHit: boolean;
  readonly kernelImage?: string;
  /** Package name → pinned reference. */
  readonly pkgImages: Readonly<Record<string, string>>;
  /** The package's pinned reference when exactly one package was built. */
  readonly pkgImage?: string;
  /** The make command that ran (absent on a cache hit). */
  readonly makeCommand?: string;
  readonly verification: readonly SignatureCheck[];
  /** Things the user should know (push: false, dirty tag, cache state). */
  readonly notes: readonly string[];
  readonly cacheKey?: string;
}

function registryOptions(o: BuildKernelPkgOptions, deps: BuildKernelPkgDeps): RegistryOptions {
  const creds = o.credentials;
  return {
    insecureRegistries: o.insecureRegistries,
    ...(creds
      ? {
          credentials: (host: string) =>
            host === o.registry
              ? { username: creds.username, password: creds.password }
              : undefined,
        }
      : {}),
    ...(deps.dockerConfigDir ? { dockerConfigDir: deps.dockerConfigDir } : {}),
    logger: deps.logger,
    exec: deps.exec,
  };
}

async function metadataDir(
  parent: string | undefined,
  logger: Logger,
): Promise<string | undefined> {
  await mkdir(parent ?? tmpdir(), { recursive: true });
  const dir = await mkdtemp(join(parent ?? tmpdir(), 'talos-kmod-metadata-'));
  if (findUnsafeCharacter(dir) !== undefined) {
    logger.warning(
      `the temporary directory ${dir} has characters make would split on; buildx metadata files are not requested, digests come from the registry only`,
    );
    await rm(dir, { recursive: true, force: true });
    return undefined;
  }
  return dir;
}

/** Verifies `images` against the kernel; throws a UserError listing every problem. */
async function verifyPackages(
  verify: VerifyAgainstKernelFn,
  kernelImage: string,
  images: readonly string[],
  logger: Logger,
  context: string,
): Promise<SignatureCheck[]> {
  const checks: SignatureCheck[] = [];
  for (const image of images) {
    const check = await verify(image, kernelImage);
    checks.push(check);
    logger.info(`${check.passed ? 'ok' : 'FAILED'}: ${image} (${check.modules} module(s))`);
    for (const p of check.problems) logger.error(p);
  }
  const failed = checks.filter((c) => !c.passed);
  if (failed.length > 0) {
    throw new UserError(
      `${context}: ${failed.map((c) => c.image).join(', ')} ${failed.length === 1 ? 'is' : 'are'} not signed by the key of ${kernelImage}`,
      { details: failed.flatMap((c) => c.problems) },
    );
  }
  return checks;
}

/** Runs the step. */
export async function buildKernelPkg(
  o: BuildKernelPkgOptions,
  deps: BuildKernelPkgDeps,
): Promise<BuildKernelPkgResult> {
  const { logger, exec } = deps;
  const valid = validateKernelPkgOptions(o);
  const checkout = await readPkgsCheckout(o.pkgsDir);
  const targets = resolvePkgsTargets(checkout, o.packages);
  const packages = targets.filter((t) => t !== kernelTarget);
  const notes: string[] = [];
  const tag = o.tag ?? (await describeTag(checkout.dir, exec));
  if (!o.tag && tag.endsWith('-dirty')) {
    notes.push(
      `the pkgs checkout has uncommitted changes, so the tag is '${tag}' (the Makefile's own rule); commit them for a reproducible tag or set the tag input`,
    );
  }
  const prefix = `${o.registry}/${o.username}`;
  const regOptions = registryOptions(o, deps);
  logger.info(
    `pkgs checkout ${checkout.dir}: building ${targets.join(', ')} as ${prefix}/<target>:${tag}`,
  );

  const base = { targets, packages, pkgsTag: tag, pkgsPrefix: prefix };
  if (!o.push) {
    notes.push(
      'push is false: the images were built but not pushed, so kernel-image, pkg-images and pkg-image are empty ' +
        '(a pinned reference needs the digest the registry assigns), and verify-signatures and the cache were skipped. ' +
        'pkgs-tag and pkgs-prefix are set; set push: true to get pinned references.',
    );
    const args = pkgsMakeArgs({
      ...valid,
      targets,
      registry: o.registry,
      username: o.username,
      push: false,
      tag,
    });
    await withDockerCredentials(deps.env ?? process.env, o.registry, o.credentials, logger, (env) =>
      runMake(exec, logger, checkout.dir, args, env),
    );
    return {
      ...base,
      pushed: false,
      cacheHit: false,
      pkgImages: {},
      makeCommand: formatCommand('make', args),
      verification: [],
      notes,
    };
  }

  const client = createRegistryClient(regOptions);
  try {
    await preflightRegistry(client, `${prefix}/${kernelTarget}:${tag}`, o.registry);

    // The cache: an unchanged input set whose images are still in the registry skips make.
    let cacheKey: string | undefined;
    if (o.cache && deps.resultCache) {
      const { key, inputs } = await kernelPkgCacheKey(
        checkout,
        targets,
        {
          platforms: valid.platforms,
          prefix,
          makeArgs: valid.makeArgs,
          ...(o.tag ? { explicitTag: o.tag } : {}),
        },
        exec,
      );
      cacheKey = key;
      logger.debug(`cache key ${key} from ${JSON.stringify(inputs)}`);
      const hit = await restoreRecord(deps.resultCache, key, client, logger);
      if (hit) {
        notes.push(
          `cache hit (${deps.resultCache.description}, key ${key}): make was skipped; the images recorded ${hit.createdAt} are still in the registry under tag '${hit.pkgsTag}'`,
        );
        const pkgImages = Object.fromEntries(packages.map((p) => [p, hit.pkgImages[p] ?? '']));
        return {
          ...base,
          pkgsTag: hit.pkgsTag,
          pkgsPrefix: hit.pkgsPrefix,
          pushed: true,
          cacheHit: true,
          kernelImage: hit.kernelImage,
          pkgImages,
          ...(packages.length === 1 ? { pkgImage: pkgImages[packages[0] as string] } : {}),
          verification: [],
          notes,
          cacheKey: key,
        };
      }
    } else if (o.cache) {
      notes.push('cache is on but no cache store is available here; the build ran in full');
    }

    const metaDir = await metadataDir(deps.tmpDir, logger);
    try {
      const args = pkgsMakeArgs({
        ...valid,
        targets,
        registry: o.registry,
        username: o.username,
        push: true,
        tag,
        ...(metaDir ? { ciArgs: [metadataFileCiArg(metaDir)] } : {}),
      });
      await withDockerCredentials(
        deps.env ?? process.env,
        o.registry,
        o.credentials,
        logger,
        (env) => runMake(exec, logger, checkout.dir, args, env),
      );
      const pinned = await logger.group('resolve pushed images', () =>
        resolvePushed(
          client,
          targets.map((t) => ({
            target: t,
            ref: `${prefix}/${t}:${tag}`,
            ...(metaDir ? { metadataFile: metadataPath(metaDir, t) } : {}),
          })),
          logger,
        ),
      );
      const kernelImage = pinned[kernelTarget] as string;
      const pkgImages = Object.fromEntries(packages.map((p) => [p, pinned[p] as string]));

      let verification: SignatureCheck[] = [];
      if (o.verifySignatures) {
        verification = await logger.group('verify signatures against the kernel', () =>
          verifyAfterPush(checkout, packages, pkgImages, kernelImage, prefix, tag, client, {
            verify: deps.verifyAgainstKernel ?? signatureChecker(regOptions, logger),
            logger,
          }),
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
          },
          logger,
        );
      }
      return {
        ...base,
        pushed: true,
        cacheHit: false,
        kernelImage,
        pkgImages,
        ...(packages.length === 1 ? { pkgImage: pkgImages[packages[0] as string] } : {}),
        makeCommand: formatCommand('make', args),
        verification,
        notes,
        ...(cacheKey ? { cacheKey } : {}),
      };
    } finally {
      if (metaDir) await rm(metaDir, { recursive: true, force: true });
    }
  } finally {
    await client.close();
  }
}

/**
 * Verifies the built packages, and also the module packages of the checkout that were NOT built
 * this time but exist in the registry under the same tag: rebuilding the kernel alone replaces
 * `kernel:<tag>` with one signed by a fresh key, which breaks those packages.
 */
async function verifyAfterPush(
  checkout: Awaited<ReturnType<typeof readPkgsCheckout>>,
  packages: readonly string[],
  pkgImages: Readonly<Record<string, string>>,
  kernelImage: string,
  prefix: string,
  tag: string,
  client: RegistryClient,
  d: { verify: VerifyAgainstKernelFn; logger: Logger },
): Promise<SignatureCheck[]> {
  const built = await verifyPackages(
    d.verify,
    kernelImage,
    packages.map((p) => pkgImages[p] as string),
    d.logger,
    'verify-signatures failed right after the push',
  );
  const siblings: string[] = [];
  for (const p of modulePackages(checkout)) {
    if (packages.includes(p) || !isModulePackage(checkout, p)) continue;
    const ref = parseReference(`${prefix}/${p}:${tag}`);
    const d2 = await client.head(ref).catch(() => undefined);
    if (d2) siblings.push(`${ref.toString()}@${d2.digest}`);
  }
  if (siblings.length > 0) {
    d.logger.info(
      `also checking ${siblings.length} package(s) already published under tag '${tag}'`,
    );
  }
  const others = await verifyPackages(
    d.verify,
    kernelImage,
    siblings,
    d.logger,
    `the kernel pushed as ${prefix}/kernel:${tag} no longer matches packages already published under the same tag ` +
      '(the kernel was rebuilt alone and got a fresh throw-away key); rebuild them together: make kernel <packages…>',
  );
  return [...built, ...others];
}

async function restoreRecord(
  cache: ResultCache,
  key: string,
  client: RegistryClient,
  logger: Logger,
): Promise<KernelPkgRecord | undefined> {
  let text: string | undefined;
  try {
    text = await cache.restore(key);
  } catch (e: unknown) {
    logger.warning(
      `could not read the cache (${cache.description}): ${e instanceof Error ? e.message : String(e)}; building`,
    );
    return undefined;
  }
  if (text === undefined) {
    logger.info(`cache miss (${cache.description})`);
    return undefined;
  }
  const record = parseKernelPkgRecord(text, logger);
  if (!record) return undefined;
  return (await recordStillValid(record, client, logger)) ? record : undefined;
}

async function saveRecord(
  cache: ResultCache,
  record: KernelPkgRecord,
  logger: Logger,
): Promise<void> {
  try {
    await cache.save(record.key, `${JSON.stringify(record, null, 2)}\n`);
    logger.info(`recorded the result in the cache (${cache.description})`);
  } catch (e: unknown) {
    logger.warning(`could not save the cache entry: ${e instanceof Error ? e.message : String(e)}`);
  }
}
