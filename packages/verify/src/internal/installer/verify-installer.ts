/**
 * The deep installer check for one platform: every architecture's boot assets opened and checked
 * (see inspect-installer.ts and installer-checks.ts), plus the imager-as-base check, and what the
 * report shows of each (kernel, certificate, sig_enforce, extensions, modules).
 */
import type { CertificateInfo } from '@talos-kmod/kmod';
import {
  imagerEvidence,
  sigEnforcement,
  type Finding,
  type InstallerBootFormat,
  type TalosVersion,
} from '@talos-kmod/talos';
import type { InstallerReport, ModuleReport } from '../../report';
import { inspectInstaller, type InstallerContents } from './inspect-installer';
import {
  checkInstallerBase,
  checkInstallerContents,
  type InstallerExpectations,
} from './installer-checks';

/** The installer's boot assets found per architecture (from detectImageKind). */
export interface InstallerAssetList {
  readonly arch: string;
  readonly bootFormat: InstallerBootFormat;
  readonly files: readonly string[];
}

/** What one platform's installer verification produced. */
export interface InstallerVerification {
  readonly outcomes: readonly Finding[];
  readonly installers: readonly Omit<InstallerReport, 'platform'>[];
  readonly modules: readonly Omit<ModuleReport, 'platform'>[];
  /** The certificates of each installer kernel, with the file they were read from. */
  readonly certificates: readonly { certificate: CertificateInfo; source: string }[];
  /** The certificates each installer kernel revokes, likewise. */
  readonly revokedCertificates: readonly { certificate: CertificateInfo; source: string }[];
}

function subjectAndFingerprint(x: CertificateInfo): { subject: string; sha256Fingerprint: string } {
  return { subject: x.subject, sha256Fingerprint: x.sha256Fingerprint };
}

function reportOf(c: InstallerContents): Omit<InstallerReport, 'platform'> {
  const rule = c.cmdline !== undefined ? sigEnforcement(c.cmdline, c.talosVersion) : undefined;
  return {
    arch: c.arch,
    layout: c.bootFormat,
    ...(c.talosVersionText ? { talosVersion: c.talosVersionText } : {}),
    kernel: {
      ...(c.release !== undefined ? { release: c.release } : {}),
      certificates: c.kernel.certificates.map(subjectAndFingerprint),
      ...(c.kernel.revokedCertificates?.length
        ? { revokedCertificates: c.kernel.revokedCertificates.map(subjectAndFingerprint) }
        : {}),
      ...(c.cmdline !== undefined ? { cmdline: c.cmdline } : {}),
      ...(rule
        ? {
            sigEnforce: rule.value ?? 'absent',
            signaturesEnforced: rule.enforced,
          }
        : {}),
    },
    extensions: c.extensions.map((e) => ({
      name: e.name,
      version: e.version,
      image: e.image,
      moduleCount: e.moduleCount,
      verdicts: e.verdicts,
    })),
  };
}

/**
 * Moves one architecture's files out of `bootFiles`. Not inlined into the async caller on purpose:
 * its loop variables would stay in the suspended function's registers and keep the UKI alive.
 */
function takeArchFiles(bootFiles: Map<string, Uint8Array>, arch: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const [path, bytes] of bootFiles) {
    if (!path.startsWith(`usr/install/${arch}/`)) continue;
    files.set(path, bytes);
    bootFiles.delete(path);
  }
  return files;
}

/**
 * Verifies every architecture of an installer platform. `bootFiles` is consumed: each
 * architecture's files are taken out of it as they are read, so that a UKI (100 MB or more) is
 * freed once its initramfs has been walked instead of living until the platform is verified.
 */
export async function verifyInstaller(
  assets: readonly InstallerAssetList[],
  paths: readonly string[],
  bootFiles: Map<string, Uint8Array>,
  expectations: InstallerExpectations,
  talosVersion?: TalosVersion,
): Promise<InstallerVerification> {
  const outcomes: Finding[] = [...checkInstallerBase(imagerEvidence(paths))];
  const kernel = expectations.kernel ?? (await expectations.readKernel?.());
  const expected: InstallerExpectations = { ...expectations, ...(kernel ? { kernel } : {}) };
  const installers: Omit<InstallerReport, 'platform'>[] = [];
  const modules: Omit<ModuleReport, 'platform'>[] = [];
  const certificates: { certificate: CertificateInfo; source: string }[] = [];
  const revokedCertificates: { certificate: CertificateInfo; source: string }[] = [];
  for (const a of assets) {
    const contents = await inspectInstaller(
      { arch: a.arch, bootFormat: a.bootFormat, files: takeArchFiles(bootFiles, a.arch) },
      talosVersion,
    );
    outcomes.push(...checkInstallerContents(contents, expected));
    installers.push(reportOf(contents));
    const source =
      contents.bootFormat === 'uki' ? `${contents.kernelPath} (.linux)` : contents.kernelPath;
    for (const certificate of contents.kernel.certificates)
      certificates.push({ certificate, source });
    for (const certificate of contents.kernel.revokedCertificates ?? [])
      revokedCertificates.push({ certificate, source });
    modules.push(
      ...contents.modules.map((m) => ({
        name: m.name,
        path: `${contents.kernelPath}:${m.layer}/${m.path}`,
        signed: m.verdict !== 'unsigned',
        ...(m.signer !== undefined ? { signer: m.signer } : {}),
        ...(m.vermagic !== undefined ? { vermagic: m.vermagic } : {}),
        verdict: m.verdict,
        ...(m.certificate !== undefined ? { certificate: m.certificate } : {}),
        extension: m.extension,
      })),
    );
  }
  return { outcomes, installers, modules, certificates, revokedCertificates };
}
