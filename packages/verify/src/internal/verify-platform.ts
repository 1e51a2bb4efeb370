/** Runs every check on one platform's file tree. */
import { detectImageKind, firmwareRootFor, isModuleFile, modulesRootFor } from '@talos-kmod/talos';
import { collectTree } from './collect';
import { checkArch } from './checks/arch';
import { checkExtension } from './checks/extension';
import { checkInstaller, checkKind } from './checks/kind';
import { checkKernelRelease } from './checks/kernel-release';
import { checkPathNames } from './checks/path-names';
import { checkDepends, checkFirmware, checkRequiredModules } from './checks/modules';
import { checkSignatures } from './checks/signatures';
import { checkUdev } from './checks/udev';
import { passed, type CheckContext, type Outcome } from './checks/context';
import type { FileTree } from './file-tree';
import type { KernelReference } from './kernel-reference';
import type { ValidatedVerifyOptions } from '../options';
import type { InstallerReport, ModuleReport } from '../report';
import type { InstallerExpectations } from './installer/installer-checks';
import { verifyInstaller } from './installer/verify-installer';

/** What one platform's verification produced. */
export interface PlatformOutcome {
  readonly kind: string;
  readonly outcomes: readonly Outcome[];
  readonly modules: readonly Omit<ModuleReport, 'platform'>[];
  readonly kernelRelease?: string;
  /** Installers: what each architecture boots. */
  readonly installers?: readonly Omit<InstallerReport, 'platform'>[];
}

/** Modules asked for, among an installer's extension modules. */
function installerModules(
  ctx: CheckContext,
  found: readonly { name: string; extension?: string }[],
): Outcome[] {
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
  return [passed('modules.required', `the installer carries ${ctx.options.modules.join(', ')}`)];
}

/** Collects `tree` and runs the checks against `kernel` (when given). */
export async function verifyTree(
  tree: FileTree,
  options: ValidatedVerifyOptions,
  kernel: KernelReference | undefined,
  extra: readonly Outcome[] = [],
  expectations: InstallerExpectations = { extensions: [] },
): Promise<PlatformOutcome> {
  const collected = await collectTree(tree);
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
  };
  const modules = collected.modules.filter(
    (m) => m.path.startsWith(kind.root) && isModuleFile(m.path),
  );
  let release: { outcomes: Outcome[]; release?: string } = { outcomes: [] };
  let outcomes: Outcome[];
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
    };
  } else {
    release = checkKernelRelease(ctx, modules);
    outcomes = [
      ...checkKind(ctx),
      ...extra,
      ...checkPathNames(ctx),
      ...checkExtension(ctx),
      ...release.outcomes,
      ...checkArch(tree.platform, modules),
      ...checkSignatures(ctx, modules),
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
    })),
    ...(release.release ? { kernelRelease: release.release } : {}),
  };
}
