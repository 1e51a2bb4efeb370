/**
 * Verifies what the imager wrote before anything is pushed: each `installer-<arch>.tar` is opened
 * as the node would boot it (@talos-kmod/verify: UKI or vmlinuz + initramfs, the kernel's
 * certificate, every extension and module in the initramfs), against the kernel image and the
 * extension images the step was given. A failing installer is never published unless the user
 * asked for findings to be warnings.
 */
import { UserError, type Logger } from '@talos-kmod/common';
import type { PinnedReference, RegistryOptions } from '@talos-kmod/oci';
import { failureMessage, verifyImage, type VerifyReport } from '@talos-kmod/verify';
import type { Tarballs } from './run-imager';

/** `error`: a failing installer fails the step before the push; `warning`: it is pushed with warnings. */
export type InstallerVerifyMode = 'error' | 'warning';

/** What the installers are checked against. */
export interface InstallerExpectationInputs {
  readonly kernelImage?: PinnedReference;
  readonly extensionImages: readonly PinnedReference[];
}

/** Verifies every tarball; throws a UserError naming the findings when one fails in `error` mode. */
export async function verifyTarballs(
  tarballs: Tarballs,
  expected: InstallerExpectationInputs,
  mode: InstallerVerifyMode,
  deps: { logger: Logger; registry: RegistryOptions },
): Promise<Record<string, VerifyReport>> {
  const reports: Record<string, VerifyReport> = {};
  for (const [arch, path] of Object.entries(tarballs)) {
    const report = await deps.logger.group(`Verify installer-${arch}.tar`, () =>
      verifyImage(
        {
          image: `docker-archive:${path}`,
          ...(expected.kernelImage ? { kernelImage: expected.kernelImage } : {}),
          extensions: expected.extensionImages,
          failOn: 'error',
        },
        { logger: deps.logger, registry: deps.registry },
      ),
    );
    reports[arch] = report;
    for (const i of report.installers ?? []) {
      deps.logger.info(
        `installer ${arch}: kernel ${i.kernel.release ?? '?'}, ${i.extensions.map((e) => `${e.name} ${e.version} (${e.moduleCount} module(s))`).join(', ') || 'no extensions'}`,
      );
    }
    if (report.passed) continue;
    const message = failureMessage(report);
    if (mode === 'warning') {
      deps.logger.warning(`${message}\nPushing it anyway (verify-installer: warning).`);
      continue;
    }
    throw new UserError(
      `${message}\nThe installer was not pushed. Fix the findings above, or set verify-installer: warning to push it anyway`,
    );
  }
  return reports;
}
