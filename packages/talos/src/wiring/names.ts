/** The names one module goes by across pkgs and extensions. */
import { assertModuleName } from '../scaffold/module-spec';

/** `hailort` → `hailort-pkg`, `hailort_…` vars, `HAILORT_VERSION`. */
export interface ModuleNames {
  readonly module: string;
  readonly packageName: string;
  readonly pkgsVarPrefix: string;
  readonly extensionsVersionVar: string;
  /** True when `extensionsVersionVar` was given, so the extension's VERSION does not override it. */
  readonly versionVarGiven?: boolean;
}

/** Derives the names; an invalid module name is a UserError. */
export function moduleNames(module: string): ModuleNames {
  assertModuleName(module);
  const under = module.replaceAll('-', '_');
  return {
    module,
    packageName: `${module}-pkg`,
    pkgsVarPrefix: under,
    extensionsVersionVar: `${under.toUpperCase()}_VERSION`,
  };
}
