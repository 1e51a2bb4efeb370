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
import type { ModuleReport } from '../report';

/** What one platform's verification produced. */
export interface PlatformOutcome {
  readonly kind: string;
  readonly outcomes: readonly Outcome[];
  readonly modules: readonly Omit<ModuleReport, 'platform'>[];
  readonly kernelRelease?: string;
}

/** Modules asked for cannot be seen inside an installer's initramfs: say so instead of failing. */
function installerModules(ctx: CheckContext): Outcome[] {
  if (ctx.options.modules.length === 0) return [];
  return [
    passed(
      'modules.required',
      `not verified in an installer: ${ctx.options.modules.join(', ')} would be inside the initramfs; verify the extension image for them`,
      'info',
    ),
  ];
}

/** Collects `tree` and runs the checks against `kernel` (when given). */
export async function verifyTree(
  tree: FileTree,
  options: ValidatedVerifyOptions,
  kernel: KernelReference | undefined,
  extra: readonly Outcome[] = [],
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
    outcomes = [
      ...checkKind(ctx),
      ...extra,
      ...checkPathNames(ctx),
      ...checkInstaller(ctx),
      ...installerModules(ctx),
    ];
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
