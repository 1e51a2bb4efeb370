/** The extension rules of Talos and Sidero's extensions-validator, for extension images. */
import {
  udevRulesDirFor,
  validateExtensionContents,
  validateExtensionRoot,
  validateExtensionManifest,
  otherModulesRoot,
  type Finding,
} from '@talos-kmod/talos';
import type { CheckContext } from './context';

/** Layout, manifest and contents of an extension image. */
export function checkExtension(ctx: CheckContext): Finding[] {
  if (ctx.kind.kind !== 'extension') return [];
  const { extensionName, talosVersion } = ctx.options;
  const rulesDir = udevRulesDirFor(talosVersion).slice(1);
  const otherModules = `${otherModulesRoot(ctx.modulesRoot)}/`;
  // reported by udev.location and kernel-release.modules-path, which say more
  const reportedElsewhere = (p: string): boolean =>
    (/(^|\/)udev\/rules\.d\/[^/]+\.rules$/.test(p) && !p.startsWith(`${rulesDir}/`)) ||
    (p.startsWith(otherModules) && /\.ko(\.(xz|zst|gz))?$/.test(p));
  const findings: Finding[] = [
    ...validateExtensionRoot(ctx.tree.entries),
    ...(ctx.tree.manifestText !== undefined
      ? validateExtensionManifest(ctx.tree.manifestText, {
          ...(extensionName ? { extensionName } : {}),
          ...(talosVersion ? { talosVersion } : {}),
        }).findings
      : []),
    ...validateExtensionContents(ctx.tree.entries, {
      ...(talosVersion ? { talosVersion } : {}),
      reportedElsewhere,
    }),
  ];
  return findings;
}
