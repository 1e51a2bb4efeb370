/**
 * `talos-kmod kernel-cert <source>`: the release of a kernel and the certificates compiled into it,
 * the ones its module signatures must chain to. The source is a kernel file (bzImage, zboot
 * vmlinuz.efi, arm64 Image/Image.gz, ELF vmlinux, UKI) or an image holding one (a kernel image's
 * /boot/vmlinuz, an installer's usr/install/<arch>/vmlinuz[.efi]). Exit 1 when a kernel has no
 * certificate, 2 when the source cannot be read, holds no kernel, or (with `--platform`) is a
 * kernel file of another architecture.
 */
import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import type { KernelImage } from '@talos-kmod/boot';
import type { CertificateInfo } from '@talos-kmod/kmod';
import type { Platform } from '@talos-kmod/oci';
import { UserError, describeError } from '@talos-kmod/common';
import { UsageError } from '../flags';
import { exitCodes, jsonText, textLines, stdinOf } from '../io';
import {
  accessExitCode,
  addRegistryFlags,
  platformFlag,
  registryOptions,
  type RegistryFlags,
} from '../registry-flags';
import type { DefineCommand } from '../command-context';
import { parseImageArg } from '../image-arg';

interface Flags extends RegistryFlags {
  json?: boolean;
  pem?: boolean;
  platform?: string;
}

interface Found {
  source: string;
  kernel: KernelImage;
}

const imageTransports = /^(docker-archive|oci-archive|oci|docker|dir):/;

function isLocalFile(spec: string): boolean {
  return !imageTransports.test(spec) && existsSync(spec) && statSync(spec).isFile();
}

/** PEM text of a DER certificate. */
export function toPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}

function certificateJson(c: CertificateInfo) {
  return {
    subject: c.subject,
    issuer: c.issuer,
    ...(c.commonName !== undefined ? { commonName: c.commonName } : {}),
    serialNumber: c.serialNumber,
    ...(c.subjectKeyId !== undefined ? { subjectKeyId: c.subjectKeyId } : {}),
    keyType: c.keyType,
    ...(c.keyBits !== undefined ? { keyBits: c.keyBits } : {}),
    ...(c.curve !== undefined ? { curve: c.curve } : {}),
    sha256Fingerprint: c.sha256Fingerprint,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    pem: toPem(c.der),
  };
}

function kernelJson(f: Found) {
  const k = f.kernel;
  return {
    source: f.source,
    format: k.format,
    arch: k.arch,
    compression: k.compression,
    ...(k.release !== undefined ? { release: k.release } : {}),
    ...(k.version !== undefined ? { version: k.version } : {}),
    ...(k.cmdline !== undefined ? { cmdline: k.cmdline } : {}),
    ...(k.uki
      ? {
          uki: {
            ...k.uki,
            sections: k.uki.sections.map((s) => ({ name: s.name, size: s.size })),
          },
        }
      : {}),
    kernelSize: k.kernelSize,
    certificates: k.certificates.map(certificateJson),
    certificateList: k.certificateList,
    revokedCertificates: k.revokedCertificates.map(certificateJson),
    otherCertificates: k.otherCertificates.map(certificateJson),
    problems: k.problems,
  };
}

function kernelText(f: Found): string[] {
  const k = f.kernel;
  const out = [
    `source:       ${f.source}`,
    `format:       ${k.format} (${k.arch}, ${k.compression})`,
  ];
  if (k.release) out.push(`release:      ${k.release}`);
  if (k.version) out.push(`version:      ${k.version}`);
  if (k.cmdline !== undefined) out.push(`cmdline:      ${k.cmdline}`);
  if (k.uki?.osrel?.['PRETTY_NAME']) out.push(`os-release:   ${k.uki.osrel['PRETTY_NAME']}`);
  out.push(`certificates: ${k.certificates.length} trusted (${listText(k)})`);
  certificateLines(out, k.certificates);
  if (k.revokedCertificates.length > 0) {
    out.push(
      `revoked:      ${k.revokedCertificates.length} (revocation_certificate_list: the kernel refuses modules signed by these)`,
    );
    certificateLines(out, k.revokedCertificates);
  }
  if (k.otherCertificates.length > 0) {
    out.push(
      `other:        ${k.otherCertificates.length} (compiled in elsewhere: not trusted for module signatures)`,
    );
    certificateLines(out, k.otherCertificates);
  }
  for (const p of k.problems) out.push(`problem:      ${p}`);
  return out;
}

/** How the trusted list was located, in words. */
function listText(k: KernelImage): string {
  const where = `${k.certificateList.region}${k.certificateList.offset !== undefined ? ` offset ${k.certificateList.offset}` : ''}`;
  switch (k.certificateList.rule) {
    case 'list-size-and-module-cert-size':
      return `system_certificate_list at ${where}, located by system_certificate_list_size and module_cert_size`;
    case 'list-size':
      return `system_certificate_list at ${where}, located by system_certificate_list_size`;
    case 'not-located':
      return `system_certificate_list not located: every certificate in the ${k.certificateList.region}`;
  }
}

function certificateLines(out: string[], certificates: readonly CertificateInfo[]): void {
  for (const c of certificates) {
    const key = `${c.keyType}${c.keyBits ? ` ${c.keyBits}` : ''}${c.curve ? ` (${c.curve})` : ''}`;
    out.push(`  - subject:  ${c.subject}`);
    out.push(`    issuer:   ${c.issuer}`);
    out.push(`    serial:   ${c.serialNumber}`);
    if (c.subjectKeyId) out.push(`    skid:     ${c.subjectKeyId}`);
    out.push(`    key:      ${key}`);
    out.push(`    sha256:   ${c.sha256Fingerprint}`);
    out.push(`    valid:    ${c.notBefore} to ${c.notAfter}`);
  }
}

/** A KernelImageError (unreadable input) as a UserError with exit code 2. */
function unreadable(e: unknown): unknown {
  if (e instanceof Error && e.name === 'KernelImageError') {
    return Object.assign(
      new UserError(
        `${e.message}; pass a kernel file (vmlinuz, vmlinuz.efi, UKI) or an image holding one`,
      ),
      {
        exitCode: exitCodes.usage,
      },
    );
  }
  return e;
}

/**
 * `--platform` with a kernel file: the file has one architecture, so the flag is a check of it (a
 * script can pass the same flag for files and images) and a mismatch is a usage error.
 */
function checkFilePlatform(file: string, kernel: KernelImage, platform: Platform): void {
  const wanted = `${platform.os}/${platform.architecture}`;
  if (platform.os === 'linux' && kernel.arch === platform.architecture) return;
  const what =
    kernel.arch === 'unknown'
      ? `a kernel file (${kernel.format}) whose architecture cannot be told`
      : `a linux/${kernel.arch} kernel file (${kernel.format})`;
  throw new UsageError(
    `--platform ${wanted} does not match ${file}: it is ${what}; --platform chooses a platform of a multi-platform image: drop it, or pass the ${wanted} kernel`,
  );
}

/** Defines `kernel-cert`. */
export const defineKernelCert: DefineCommand = (command: Command, context) => {
  addRegistryFlags(
    command
      .argument(
        '<source>',
        'a kernel file (vmlinuz, vmlinuz.efi, UKI, Image) or an image holding one: registry reference, docker-archive:PATH, oci-archive:PATH, oci:DIR[:ref], dir:DIR',
      )
      .option('--json', 'print the kernels and their certificates as JSON')
      .option('--pem', 'print only the certificates, as PEM')
      .option(
        '--platform <os/arch>',
        'the platform of a multi-platform image (for a kernel file: the architecture it must have)',
      ),
    { registryHost: true },
  ).action(async (spec: string, flags: Flags) => {
    const ctx = context();
    if (flags.json && flags.pem) {
      throw new UsageError(
        '--json and --pem do not go together: choose one (--json holds the PEM too)',
      );
    }
    const platform = platformFlag(flags.platform);
    const boot = await import('@talos-kmod/boot');
    let found: Found[];
    let file: KernelImage | undefined;
    try {
      if (isLocalFile(spec)) {
        file = await boot.readKernelImageFile(spec);
        found = [{ source: spec, kernel: file }];
      } else {
        const { readImageKernels } = await import('@talos-kmod/verify');
        const image = parseImageArg(spec);
        const registry = await registryOptions(
          flags,
          ctx.logger,
          ctx.io.env,
          stdinOf(ctx.io),
          image,
        );
        const kernels = await readImageKernels(image, {
          registry,
          ...(platform ? { platform } : {}),
        });
        found = kernels.map((k) => ({ source: k.source, kernel: k.kernel }));
      }
    } catch (e: unknown) {
      ctx.logger.debug(`kernel-cert ${spec}: ${describeError(e)}`);
      const mapped = unreadable(e);
      throw mapped instanceof Error ? accessExitCode(mapped) : mapped;
    }
    if (file && platform) checkFilePlatform(spec, file, platform);
    if (flags.json) {
      ctx.io.stdout.write(`${jsonText(found.map(kernelJson))}\n`);
    } else if (flags.pem) {
      for (const f of found)
        for (const c of f.kernel.certificates) ctx.io.stdout.write(toPem(c.der));
    } else {
      ctx.io.stdout.write(
        textLines(found.flatMap((f, i) => [...(i > 0 ? [''] : []), ...kernelText(f)])),
      );
    }
    const bare = found.filter((f) => f.kernel.certificates.length === 0);
    if (bare.length > 0) {
      for (const f of bare) {
        ctx.io.stderr.write(
          `${f.source}: no certificate: the kernel cannot verify any module signature (built without CONFIG_MODULE_SIG?)\n`,
        );
      }
      ctx.setExitCode(exitCodes.failed);
    }
  });
};
