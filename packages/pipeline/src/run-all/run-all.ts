/**
 * The whole chain as one function: build-kernel-pkg → build-extension → build-installer →
 * verify-image (the extension and the installer, against the kernel). Each step receives the
 * previous step's pinned references; nothing is copied by hand. A failed step stops the chain and
 * its error propagates; a failed verification is reported in the result (`passed: false`).
 */
import type { ExecFn, Logger } from '@talos-kmod/common';
import type { PinnedReference, RegistryOptions } from '@talos-kmod/oci';
import type { ResultCache } from '../build-cache/index';
import { buildExtension, type BuildExtensionResult } from '../build-extension/index';
import { buildInstaller, type BuildInstallerResult } from '../build-installer/index';
import { buildKernelPkg, type BuildKernelPkgResult } from '../build-kernel-pkg/index';
import { verifyImage, type VerifyReport } from '@talos-kmod/verify';
import { validateRunAllOptions, type RunAllOptions } from './options';

/** The steps, in order. */
export const runAllSteps = [
  'build-kernel-pkg',
  'build-extension',
  'build-installer',
  'verify-image',
] as const;

/** One of {@link runAllSteps}. */
export type RunAllStep = (typeof runAllSteps)[number];

/** Progress of the chain, one event when a step starts and one when it ends. */
export interface RunAllStepEvent {
  readonly index: number;
  readonly total: number;
  readonly step: RunAllStep;
  readonly state: 'start' | 'done' | 'failed';
  /** Milliseconds the step took (done/failed). */
  readonly elapsedMs?: number;
  /** The step's main result (done). */
  readonly detail?: string;
}

/** What the run-all step needs from its caller. */
export interface RunAllDeps {
  readonly exec: ExecFn;
  readonly logger: Logger;
  readonly env?: NodeJS.ProcessEnv;
  readonly resultCache?: ResultCache;
  /** Registry access for the installer push and the verification. */
  readonly registry?: RegistryOptions;
  readonly onStep?: (event: RunAllStepEvent) => void;
  /** Random names for the ttl.sh default (tests pass a fixed one). */
  readonly uuid?: () => string;
}

/** Everything the chain produced. */
export interface RunAllResult {
  readonly kernel: BuildKernelPkgResult;
  readonly extension: BuildExtensionResult;
  readonly installer: BuildInstallerResult;
  readonly verification: { readonly extension: VerifyReport; readonly installer: VerifyReport };
  /** True when both verifications passed. */
  readonly passed: boolean;
  /** The pinned installer: what `talosctl upgrade --image` takes. */
  readonly installerImage: PinnedReference;
  /** The command to run next. */
  readonly upgradeCommand: string;
}

/** Runs the four steps in order. */
export async function runAll(options: RunAllOptions, deps: RunAllDeps): Promise<RunAllResult> {
  const parsed = validateRunAllOptions(options);
  const { exec, logger } = deps;
  const registry: RegistryOptions = {
    insecureRegistries: options.insecureRegistries,
    logger,
    ...(options.credentials
      ? { credentials: { registry: parsed.target.namespace.registry, ...options.credentials } }
      : {}),
    ...deps.registry,
  };
  const step = async <T>(
    index: number,
    run: () => Promise<T>,
    detail: (result: T) => string,
  ): Promise<T> => {
    const name = runAllSteps[index] as RunAllStep;
    const total = runAllSteps.length;
    deps.onStep?.({ index: index + 1, total, step: name, state: 'start' });
    const started = Date.now();
    try {
      const result = await run();
      deps.onStep?.({
        index: index + 1,
        total,
        step: name,
        state: 'done',
        elapsedMs: Date.now() - started,
        detail: detail(result),
      });
      return result;
    } catch (e: unknown) {
      deps.onStep?.({
        index: index + 1,
        total,
        step: name,
        state: 'failed',
        elapsedMs: Date.now() - started,
      });
      throw e;
    }
  };
  const common = {
    ...parsed.target,
    insecureRegistries: options.insecureRegistries,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.talosVersion
      ? { talosVersion: options.talosVersion, releaseMismatch: options.releaseMismatch ?? 'warn' }
      : {}),
  };

  const kernel = await step(
    0,
    () =>
      buildKernelPkg(
        {
          ...common,
          pkgsDir: options.pkgsDir,
          packages: options.packages,
          push: true,
          verifySignatures: true,
          cache: options.cache,
        },
        {
          exec,
          logger,
          ...(deps.env ? { env: deps.env } : {}),
          ...(deps.resultCache ? { resultCache: deps.resultCache } : {}),
          ...(registry.dockerConfigDir ? { dockerConfigDir: registry.dockerConfigDir } : {}),
        },
      ),
    (r) => `${r.kernelImage?.toString() ?? ''}${r.cacheHit ? ' (cache hit)' : ''}`,
  );
  const kernelImage = requireOutput(kernel.kernelImage, 'build-kernel-pkg', 'kernel-image');

  const extension = await step(
    1,
    () =>
      buildExtension(
        {
          ...common,
          extensionsDir: options.extensionsDir,
          extension: options.extension,
          pkgsPrefix: kernel.pkgsPrefix,
          pkgsTag: kernel.pkgsTag,
          push: true,
        },
        {
          exec,
          logger,
          ...(deps.env ? { env: deps.env } : {}),
          ...(registry.dockerConfigDir ? { dockerConfigDir: registry.dockerConfigDir } : {}),
        },
      ),
    (r) => r.extensionImage?.toString() ?? '',
  );
  const extensionImage = requireOutput(
    extension.extensionImage,
    'build-extension',
    'extension-image',
  );

  const installer = await step(
    2,
    () =>
      buildInstaller(
        {
          ...common,
          ...(options.talosDir ? { talosDir: options.talosDir, kernelImage } : {}),
          ...(parsed.imagerImage ? { imagerImage: parsed.imagerImage } : {}),
          ...(parsed.baseInstallerImage ? { baseInstallerImage: parsed.baseInstallerImage } : {}),
          extensionImages: [extensionImage],
          extraExtensionImages: parsed.extraExtensionImages,
          ...(options.schematic ? { schematic: options.schematic } : {}),
          ...(options.nodeExtensions ? { nodeExtensions: options.nodeExtensions } : {}),
          ...(options.extensionsCatalog ? { extensionsCatalog: options.extensionsCatalog } : {}),
          extraKernelArgs: options.extraKernelArgs,
          ...(parsed.installerRef ? { installerRef: parsed.installerRef } : {}),
        },
        {
          exec,
          logger,
          registry,
          ...(deps.env ? { env: deps.env } : {}),
          ...(deps.uuid ? { uuid: deps.uuid } : {}),
        },
      ),
    (r) => r.installerImage.toString(),
  );

  const verification = await step(
    3,
    async () => ({
      extension: await verifyImage(
        {
          image: extensionImage,
          kernelImage,
          modules: options.modules,
          extensionName: extension.extensionName,
          ...(options.talosVersion ? { talosVersion: options.talosVersion } : {}),
        },
        { logger, registry },
      ),
      installer: await verifyImage(
        {
          image: installer.installerImage,
          kernelImage,
          extensions: [extensionImage],
          modules: options.modules,
        },
        { logger, registry },
      ),
    }),
    (r) =>
      r.extension.passed && r.installer.passed
        ? 'extension and installer passed'
        : 'verification failed',
  );

  return {
    kernel,
    extension,
    installer,
    verification,
    passed: verification.extension.passed && verification.installer.passed,
    installerImage: installer.installerImage,
    upgradeCommand: `talosctl upgrade --nodes <node> --image ${installer.installerImage.toString()}`,
  };
}

function requireOutput(
  value: PinnedReference | undefined,
  step: string,
  output: string,
): PinnedReference {
  if (!value) {
    throw new Error(`${step} finished without '${output}' although it pushed`);
  }
  return value;
}
