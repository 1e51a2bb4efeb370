/** Runs every check on one platform's file tree. */
import {
  detectImageKind,
  firmwareRootFor,
  isModuleFile,
  modulesRootFor,
  pass,
  type Finding,
} from '@talos-kmod/talos';
import { collectTree } from './collect';
import { checkArch } from './checks/arch';
import { checkExtension } from './checks/extension';
import { checkInstaller, checkKind } from './checks/kind';
import { checkKernelRelease } from './checks/kernel-release';
import { checkPathNames } from './checks/path-names';
import { checkDepends, checkFirmware, checkRequiredModules } from './checks/modules';
import { checkSignatures } from './checks/signatures';
import { checkUdev } from './checks/udev';
import { type CheckContext } from './checks/context';
import type { FileTree } from '@talos-kmod/oci';
import type { KernelReference } from './kernel-reference';
import type { ValidatedVerifyOptions } from '../options';
import type { CertificateReport, ModuleReport, SignatureProof } from '../report';
import type { TrustedCertificates } from '../trusted-certificates';
import type { CertificateInfo } from '@talos-kmod/kmod';
import type { CollectedModule, CollectedTree } from './collect';
import type { InstallerReport } from '../report';
import type { InstallerExpectations } from './installer/installer-checks';
import { verifyInstaller } from './installer/verify-installer';

/** What one platform's verification produced. */
export interface PlatformOutcome {
  readonly kind: string;
  readonly outcomes: readonly Finding[];
  readonly modules: readonly Omit<ModuleReport, 'platform'>[];
  readonly kernelRelease?: string;
  /** Installers: what each architecture boots. */
  readonly installers?: readonly Omit<InstallerReport, 'platform'>[];
  readonly proof: SignatureProof;
  /** The certificates the proof used. */
  readonly certificates?: readonly CertificateReport[];
  /** The certificates the kernel revokes, when the proof is `certificate` and it has any. */
  readonly revokedCertificates?: readonly CertificateReport[];
}

/** What verifyTree knows about the node's kernel before it walks the tree. */
export interface KernelKnowledge {
  /** The kernel image input's facts. */
  readonly reference?: KernelReference;
  /** The certificates the kernel trusts, when known up front (kernel-cert, kernel image). */
  readonly trust?: TrustedCertificates;
  /** Reads a kernel file (the tree's own boot/vmlinuz) for its certificates. */
  readonly readKernel?: (bytes: Uint8Array, path: string) => Promise<TrustedCertificates>;
}

function certificateReport(c: CertificateInfo, source: string): CertificateReport {
  return {
    subject: c.subject,
    issuer: c.issuer,
    serialNumber: c.serialNumber,
    ...(c.subjectKeyId ? { subjectKeyId: c.subjectKeyId } : {}),
    key: `${c.keyType}${c.curve ? ` ${c.curve}` : c.keyBits ? ` ${c.keyBits}` : ''}`,
    sha256Fingerprint: c.sha256Fingerprint,
    notAfter: c.notAfter,
    source,
  };
}

/**
 * Walks the tree, verifying modules against the known certificates as they stream by, or against
 * the tree's own kernel once its boot/vmlinuz has passed. Modules that passed before it are read
 * again in a second walk (tar order puts boot/ before usr/, so this is rare).
 */
async function collectVerified(
  tree: FileTree,
  known: KernelKnowledge,
): Promise<{ collected: CollectedTree; trust?: TrustedCertificates }> {
  const collected = await collectTree(tree, {
    ...(known.trust ? { certificates: known.trust.certificates } : {}),
    ...(known.trust?.revoked ? { revokedCertificates: known.trust.revoked } : {}),
    ...(!known.trust && known.readKernel ? { readKernel: known.readKernel } : {}),
  });
  const trust = known.trust ?? collected.kernel;
  const certificates = trust?.certificates ?? [];
  const late = new Set(
    collected.modules.filter((m) => m.signed && !m.verification).map((m) => m.path),
  );
  if (certificates.length === 0 || late.size === 0) {
    return { collected, ...(trust ? { trust } : {}) };
  }
  const again = await collectTree(tree, {
    readTexts: false,
    readModule: (p) => late.has(p),
    certificates,
    ...(trust?.revoked ? { revokedCertificates: trust.revoked } : {}),
  });
  const verified = new Map(again.modules.map((m) => [m.path, m.verification]));
  const modules = collected.modules.map((m): CollectedModule => {
    const v = verified.get(m.path);
    return v ? { ...m, verification: v } : m;
  });
  return { collected: { ...collected, modules }, trust };
}

/** Modules asked for, among an installer's extension modules. */
function installerModules(
  ctx: CheckContext,
  found: readonly { name: string; extension?: string }[],
): Finding[] {
  if (ctx.options.modules.length === 0) return [];
  const missing = ctx.options.modules.filter((m) => !found.some((f) => f.name === m));
  if (missing.length > 0) {
    return [
      {
        id: 'modules.required',
        severity: 'error',
        status: 'fail',
        message: `the installer's extensions lack ${missing.join(', ')}: add the extension that carries ${missing.length === 1 ? 'it' : 'them'} to the imager (--system-extension-image) and rebuild`,
      },
    ];
  }
  return [pass('modules.required', `the installer carries ${ctx.options.modules.join(', ')}`)];
}

/** Collects `tree` and runs the checks against `kernel` (when given). */
export async function verifyTree(
  tree: FileTree,
  options: ValidatedVerifyOptions,
  known: KernelKnowledge,
  extra: readonly Finding[] = [],
  expectations: InstallerExpectations = { extensions: [] },
): Promise<PlatformOutcome> {
  const kernel = known.reference;
  const { collected, trust } = await collectVerified(tree, known);
  const kind = detectImageKind(collected.entries);
  // a kernel image keeps its own module root; everything else follows the Talos version
  const modulesRoot =
    kind.kind === 'kernel' &&
    collected.entries.some((e) => e.path.startsWith('lib/modules/')) &&
    !collected.entries.some((e) => e.path.startsWith('usr/lib/modules/'))
      ? 'lib/modules'
      : modulesRootFor(options.talosVersion);
  const referenceRelease = kernel?.release ?? options.kernelRelease;
  const ctx: CheckContext = {
    options,
    tree: collected,
    kind,
    modulesRoot,
    firmwareRoot: firmwareRootFor(options.talosVersion),
    ...(kernel ? { kernel } : {}),
    ...(referenceRelease ? { referenceRelease } : {}),
    ...(trust ? { trust } : {}),
  };
  const modules = collected.modules.filter(
    (m) => m.path.startsWith(kind.root) && isModuleFile(m.path),
  );
  let release: { outcomes: Finding[]; release?: string } = { outcomes: [] };
  let outcomes: Finding[];
  let proof: SignatureProof = 'none';
  if (kind.kind === 'installer') {
    const deep = await verifyInstaller(
      kind.installer ?? [],
      collected.entries.map((e) => e.path),
      collected.bootFiles,
      expectations,
      options.talosVersion,
    );
    return {
      kind: kind.kind,
      outcomes: [
        ...checkKind(ctx),
        ...extra,
        ...checkPathNames(ctx),
        ...checkInstaller(ctx),
        ...deep.outcomes,
        ...installerModules(ctx, deep.modules),
      ],
      modules: deep.modules,
      installers: deep.installers,
      proof: deep.certificates.length > 0 ? 'certificate' : 'none',
      ...(deep.certificates.length > 0
        ? { certificates: deep.certificates.map((c) => certificateReport(c.certificate, c.source)) }
        : {}),
      ...(deep.certificates.length > 0 && deep.revokedCertificates.length > 0
        ? {
            revokedCertificates: deep.revokedCertificates.map((c) =>
              certificateReport(c.certificate, c.source),
            ),
          }
        : {}),
    };
  } else {
    release = checkKernelRelease(ctx, modules);
    const signatures = checkSignatures(ctx, modules);
    proof = signatures.proof;
    outcomes = [
      ...checkKind(ctx),
      ...extra,
      ...checkPathNames(ctx),
      ...checkExtension(ctx),
      ...release.outcomes,
      ...checkArch(tree.platform, modules),
      ...signatures.outcomes,
      ...checkRequiredModules(ctx, modules),
      ...checkUdev(ctx),
      ...checkFirmware(ctx, modules),
      ...checkDepends(ctx, modules),
    ];
  }
  return {
    kind: kind.kind,
    outcomes,
    modules: modules.map((m) => ({
      name: m.name,
      path: m.path,
      signed: m.signed,
      ...(m.signer !== undefined ? { signer: m.signer } : {}),
      ...(m.keyId !== undefined ? { key: m.keyId } : {}),
      ...(m.hashAlgo !== undefined ? { hash: m.hashAlgo } : {}),
      ...(m.vermagic !== undefined ? { vermagic: m.vermagic } : {}),
      ...(proof === 'certificate' && m.verification
        ? {
            verdict: m.verification.verdict,
            ...(m.verification.certificate ? { certificate: m.verification.certificate } : {}),
          }
        : {}),
    })),
    ...(release.release ? { kernelRelease: release.release } : {}),
    proof,
    ...(proof === 'certificate' && trust
      ? { certificates: trust.certificates.map((c) => certificateReport(c, trust.source)) }
      : {}),
    ...(proof === 'certificate' && trust?.revoked?.length
      ? { revokedCertificates: trust.revoked.map((c) => certificateReport(c, trust.source)) }
      : {}),
  };
}
