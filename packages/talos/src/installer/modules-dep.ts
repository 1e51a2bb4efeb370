/**
 * `modules.dep` as depmod writes it (kmod tools/depmod.c output_deps): one line per module,
 * `<path relative to /lib/modules/<kver>>: <dependency path> …`, dependencies in load order.
 */

/** module path → the paths it depends on. */
export type ModulesDep = ReadonlyMap<string, readonly string[]>;

/** Parses `modules.dep` text; lines without a colon are skipped. */
export function parseModulesDep(text: string): ModulesDep {
  const deps = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const path = line.slice(0, colon).trim();
    const rest = line.slice(colon + 1).trim();
    deps.set(path, rest ? rest.split(/\s+/) : []);
  }
  return deps;
}

/** What {@link checkModulesDep} found wrong. */
export interface ModulesDepGaps {
  /** Module paths (relative to the release directory) that modules.dep does not list. */
  readonly unlisted: readonly string[];
  /** `module → dependency` pairs whose dependency modules.dep does not list either. */
  readonly unresolved: readonly { module: string; dependency: string }[];
}

/** Checks that every path in `modules` is listed and that its dependencies resolve. */
export function checkModulesDep(dep: ModulesDep, modules: readonly string[]): ModulesDepGaps {
  const unlisted: string[] = [];
  const unresolved: { module: string; dependency: string }[] = [];
  for (const m of modules) {
    const deps = dep.get(m);
    if (!deps) {
      unlisted.push(m);
      continue;
    }
    for (const d of deps) if (!dep.has(d)) unresolved.push({ module: m, dependency: d });
  }
  return { unlisted, unresolved };
}
