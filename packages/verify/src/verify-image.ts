/**
 * The verify-image step: open the image (every platform of an index, or the one asked for) and the
 * kernel image, run the checks on each platform, and return one report.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { nullLogger, type Logger } from '@talos-kmod/common';
import {
  formatPlatform,
  openFileTrees,
  type FileTrees,
  type Platform,
  type RegistryOptions,
} from '@talos-kmod/oci';
import { fail, type Finding } from '@talos-kmod/talos';
import { readKernelReference, type KernelReference } from './internal/kernel-reference';
import {
  validateVerifyOptions,
  type ValidatedVerifyOptions,
  type VerifyImageOptions,
} from './options';
import {
  isFailing,
  type Check,
  type InstallerReport,
  type ModuleReport,
  type PlatformReport,
  type VerifyReport,
} from './report';
import { verifyTree } from './internal/verify-platform';
import { resolveExpectedExtensions } from './internal/installer/expected-extensions';
import { readKernelImageBoot } from './internal/installer/boot-readers';
import type { ExpectedKernel } from './internal/installer/installer-checks';
import {
  kernelFileReader,
  readTrustedCertificatesFile,
  type TrustedCertificates,
} from './trusted-certificates';

/** What the step needs from its caller. */
export interface VerifyImageDeps {
  logger?: Logger;
  registry?: RegistryOptions;
}

/** Kernel facts for `platform`, or an outcome saying why there are none. */
async function kernelFor(
  kernel: FileTrees,
  platform: Platform | undefined,
  cache: Map<string, KernelReference>,
  logger: Logger,
): Promise<{ reference?: KernelReference; problem?: Finding }> {
  const tree = await kernel.tree(platform);
  const own = kernel.platforms[0];
  if (!tree && !kernel.isIndex && platform && own) {
    return {
      problem: fail(
        'kernel-image.platform',
        'error',
        `the kernel image ${kernel.description} is for ${formatPlatform(own)}, not ${formatPlatform(platform)}: pass the kernel built for ${formatPlatform(platform)} (a multi-platform kernel image covers both)`,
      ),
    };
  }
  if (!tree) {
    return {
      problem: fail(
        'kernel-image.platform',
        'error',
        `the kernel image ${kernel.description} has no ${platform ? formatPlatform(platform) : ''} image (it has ${kernel.platforms.map(formatPlatform).join(', ')}): build the kernel for this platform too`,
      ),
    };
  }
  const key = tree.digest ?? tree.description;
  let reference = cache.get(key);
  if (!reference) {
    reference = await readKernelReference(tree, kernelFileReader(tree.description));
    const certs = reference.trust?.certificates.length;
    logger.info(
      `kernel image ${tree.description}: release ${reference.release ?? (reference.releaseDirs.join(', ') || 'none')}, ${reference.moduleCount} in-tree modules, ${reference.keys.length} signing key(s)${reference.trust ? `, ${certs ?? 0} certificate(s) in ${reference.trust.source}` : ''}`,
    );
    cache.set(key, reference);
  }
  return { reference };
}

/** The kernel image's own kernel, for the installer checks (read once per kernel image tree). */
const installerKernels = new WeakMap<KernelReference, Promise<ExpectedKernel | undefined>>();
function installerKernelOf(
  kernel: FileTrees,
  platform: Platform | undefined,
  reference: KernelReference | undefined,
): Promise<ExpectedKernel | undefined> {
  if (!reference) return Promise.resolve(undefined);
  let pending = installerKernels.get(reference);
  if (!pending) {
    pending = kernel.tree(platform).then(async (tree) => {
      const facts = tree ? await readKernelImageBoot(tree) : undefined;
      return facts ? { description: reference.description, facts } : undefined;
    });
    installerKernels.set(reference, pending);
  }
  return pending;
}

async function writeReport(report: VerifyReport, path: string): Promise<void> {
  const target = resolve(path);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, `${JSON.stringify(report, null, 2)}\n`);
}

async function run(o: ValidatedVerifyOptions, deps: VerifyImageDeps): Promise<VerifyReport> {
  const logger = deps.logger ?? nullLogger;
  const registry = { ...deps.registry, ...(deps.logger ? { logger: deps.logger } : {}) };
  let kernelCert: TrustedCertificates | undefined;
  if (o.kernelCert) {
    const path = o.kernelCert;
    kernelCert = await logger.group(`Read kernel-cert ${path}`, async () => {
      const trust = await readTrustedCertificatesFile(path);
      for (const c of trust.certificates) {
        logger.info(
          `trusting ${c.subject}, serial ${c.serialNumber}, SHA-256 ${c.sha256Fingerprint}`,
        );
      }
      return trust;
    });
  }
  const image = await logger.group(`Open ${o.image}`, () => openFileTrees(o.imageSpec, registry));
  let kernel: FileTrees | undefined;
  try {
    if (o.kernelImage && o.kernelImageSpec) {
      const spec = o.kernelImageSpec;
      kernel = await logger.group(`Open kernel image ${o.kernelImage}`, () =>
        openFileTrees(spec, registry),
      );
    }
    const trees = await image.select(o.platform);
    const expectedExtensions = await resolveExpectedExtensions(o.extensions, registry, logger);
    const installers: InstallerReport[] = [];
    const cache = new Map<string, KernelReference>();
    const platformReports: PlatformReport[] = [];
    const checks: Check[] = [];
    const modules: ModuleReport[] = [];
    let referenceRelease = o.kernelRelease;
    for (const tree of trees) {
      const platform = tree.platform;
      const name = platform ? formatPlatform(platform) : undefined;
      await logger.group(`Verify ${name ?? image.description}`, async () => {
        const k = kernel ? await kernelFor(kernel, platform, cache, logger) : {};
        if (k.reference?.release) referenceRelease = k.reference.release;
        const trust = kernelCert ?? k.reference?.trust;
        const readKernel = kernelFileReader(tree.description);
        const kernelImage = kernel;
        const result = await verifyTree(
          tree,
          o,
          {
            ...(k.reference ? { reference: k.reference } : {}),
            ...(trust ? { trust } : {}),
            readKernel,
          },
          k.problem ? [k.problem] : [],
          {
            extensions: expectedExtensions,
            ...(k.reference?.trust?.certificates.length
              ? { kernel: { description: k.reference.description, facts: k.reference.trust } }
              : kernelImage && k.reference
                ? { readKernel: () => installerKernelOf(kernelImage, platform, k.reference) }
                : {}),
          },
        );
        installers.push(
          ...(result.installers ?? []).map((i) => ({ ...i, ...(name ? { platform: name } : {}) })),
        );
        const tagged = result.outcomes.map((c): Check => ({
          ...c,
          ...(name ? { platform: name } : {}),
        }));
        checks.push(...tagged);
        modules.push(...result.modules.map((m) => ({ ...m, ...(name ? { platform: name } : {}) })));
        const failures = tagged.filter((c) => isFailing(c, o.failOn));
        platformReports.push({
          ...(name ? { platform: name } : {}),
          ...(tree.digest ? { digest: tree.digest } : {}),
          kind: result.kind,
          ...(result.kernelRelease ? { kernelRelease: result.kernelRelease } : {}),
          moduleCount: result.modules.length,
          proof: result.proof,
          ...(result.certificates ? { certificates: [...result.certificates] } : {}),
          ...(result.revokedCertificates
            ? { revokedCertificates: [...result.revokedCertificates] }
            : {}),
          passed: failures.length === 0,
        });
        logger.info(
          `${name ?? image.description}: ${result.kind}, ${result.modules.length} module(s), signatures proven by ${result.proof}, ${failures.length} failing check(s)`,
        );
      });
    }
    return {
      schemaVersion: 1,
      passed: platformReports.every((p) => p.passed),
      image: o.image,
      ...(o.kernelImage ? { kernelImage: o.kernelImage } : {}),
      ...(o.kernelCert ? { kernelCert: o.kernelCert } : {}),
      ...(referenceRelease ? { kernelRelease: referenceRelease } : {}),
      failOn: o.failOn,
      platforms: platformReports,
      checks,
      modules,
      ...(installers.length > 0 ? { installers } : {}),
    };
  } finally {
    await kernel?.close();
    await image.close();
  }
}

/**
 * Verifies `options.image` (see the verify-image README for the checks). Resolves with the report
 * whether or not it passed, after writing it to `reportPath` when set; rejects with a UserError
 * when an input is invalid or an image cannot be read.
 */
export async function verifyImage(
  options: VerifyImageOptions,
  deps: VerifyImageDeps = {},
): Promise<VerifyReport> {
  const o = validateVerifyOptions(options);
  const report = await run(o, deps);
  if (o.reportPath) await writeReport(report, o.reportPath);
  return report;
}
