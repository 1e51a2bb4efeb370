/** The extension rules of Talos and Sidero's extensions-validator, for extension images. */
import {
  udevRulesDirFor,
  validateExtensionContents,
  validateExtensionLayout,
  validateExtensionManifest,
  otherModulesRoot,
  type RuleFinding,
} from '@talos-kmod/talos';
import { type CheckContext, type Outcome } from './context';

function toOutcome(f: RuleFinding): Outcome {
  return {
    id: f.id,
    severity: f.severity,
    status: f.status,
    message: f.message,
    ...(f.path !== undefined ? { path: f.path } : {}),
    ...(f.line !== undefined ? { line: f.line } : {}),
  };
}

/** Layout, manifest and contents of an extension image. */
export function checkExtension(ctx: CheckContext): Outcome[] {
  if (ctx.kind.kind !== 'extension') return [];
  const { extensionName, talosVersion } = ctx.options;
  const rulesDir = udevRulesDirFor(talosVersion).slice(1);
  const otherModules = `${otherModulesRoot(ctx.modulesRoot)}/`;
  // reported by udev.location and kernel-release.modules-path, which say more
  const reportedElsewhere = (p: string): boolean =>
    (/(^|\/)udev\/rules\.d\/[^/]+\.rules$/.test(p) && !p.startsWith(`${rulesDir}/`)) ||
    (p.startsWith(otherModules) && /\.ko(\.(xz|zst|gz))?$/.test(p));
  const findings: RuleFinding[] = [
    ...validateExtensionLayout(ctx.tree.entries),
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
  return findings.map(toOutcome);
}
