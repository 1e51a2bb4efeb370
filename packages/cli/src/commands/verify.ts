/**
 * `talos-kmod verify <image>`: the verify-image checks from a terminal. Readable text on stdout
 * (colour on a TTY), `--json` for the report; exit 0 passed, 1 failed, 2 usage or access error.
 */
import type { Command } from 'commander';
import { isUserError } from '@talos-kmod/common';
import { exitCodes } from '../io';
import { addRegistryFlags, registryOptions, type RegistryFlags } from '../registry-flags';
import { listFlag } from '../flags';
import type { RegisterCommand } from '../command-context';
import { loadPipeline } from '../lazy';

interface Flags extends RegistryFlags {
  kernelImage?: string;
  kernelCert?: string;
  kernelRelease?: string;
  module: string[];
  extension: string[];
  extensionName?: string;
  talosVersion?: string;
  platform?: string;
  failOn: string;
  reportPath?: string;
  json?: boolean;
}

/** Registers `verify`. */
export const registerVerify: RegisterCommand = (program: Command, context) => {
  addRegistryFlags(
    program
      .command('verify')
      .description(
        'Check an image will load on a Talos node: signatures, key, kernel release, extension rules, udev',
      )
      .argument(
        '<image>',
        'registry reference, docker-archive:PATH, oci-archive:PATH, oci:DIR, dir:DIR, or a directory',
      )
      .option(
        '--kernel-image <ref>',
        'kernel image whose /boot/vmlinuz certificate proves the signatures and whose modules directory gives the release',
      )
      .option(
        '--kernel-cert <file>',
        "the kernel's certificate(s), PEM or DER, or the kernel file (vmlinuz, UKI): every signature is verified against it",
      )
      .option('--kernel-release <release>', 'kernel release to match when there is no kernel image')
      .option('--module <name>', 'module that must be present (repeatable)', listFlag, [])
      .option(
        '--extension <name-or-image>',
        'installers: an extension the installer must carry, by name or image (repeatable)',
        listFlag,
        [],
      )
      .option('--extension-name <name>', "the extension's package name (manifest metadata.name)")
      .option('--talos-version <version>', 'Talos version the image is for (e.g. v1.11.2)')
      .option('--platform <os/arch>', 'only this platform of a multi-platform image')
      .option('--fail-on <level>', 'error or warning', 'error')
      .option('--report-path <path>', 'also write the JSON report to this file')
      .option('--json', 'print the JSON report instead of text'),
    { registryHost: true },
  ).action(async (image: string, flags: Flags) => {
    const { formatReportText, verifyImage } = await loadPipeline();
    const ctx = context();
    if (flags.failOn !== 'error' && flags.failOn !== 'warning') {
      ctx.io.stderr.write(`error: --fail-on is '${flags.failOn}': use error or warning\n`);
      ctx.setExitCode(exitCodes.usage);
      return;
    }
    let report;
    try {
      const registry = await registryOptions(flags, ctx.logger, process.env, process.stdin, image);
      report = await verifyImage(
        {
          image,
          ...(flags.kernelImage ? { kernelImage: flags.kernelImage } : {}),
          ...(flags.kernelCert ? { kernelCert: flags.kernelCert } : {}),
          ...(flags.kernelRelease ? { kernelRelease: flags.kernelRelease } : {}),
          modules: flags.module,
          extensions: flags.extension,
          ...(flags.extensionName ? { extensionName: flags.extensionName } : {}),
          ...(flags.talosVersion ? { talosVersion: flags.talosVersion } : {}),
          ...(flags.platform ? { platform: flags.platform } : {}),
          failOn: flags.failOn,
          ...(flags.reportPath ? { reportPath: flags.reportPath } : {}),
        },
        { logger: ctx.logger, registry },
      );
    } catch (e: unknown) {
      // bad input or an image that cannot be read: usage/access (exit 2)
      if (isUserError(e)) Object.assign(e, { exitCode: exitCodes.usage });
      throw e;
    }
    ctx.io.stdout.write(
      flags.json
        ? `${JSON.stringify(report, null, 2)}\n`
        : formatReportText(report, { color: Boolean(ctx.io.stdout.isTTY) && !ctx.io.env.NO_COLOR }),
    );
    ctx.setExitCode(report.passed ? exitCodes.ok : exitCodes.failed);
  });
};
