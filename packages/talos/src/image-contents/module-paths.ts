/**
 * Where kernel modules and firmware live in Talos images, and how module files are named.
 * Talos 1.10 merged /lib into /usr: since then modules are read from `/usr/lib/modules` and firmware
 * from `/usr/lib/firmware`; before, `/lib/modules` and `/lib/firmware` (siderolabs/talos
 * pkg/machinery/imager/quirks: `KernelModulesPath`, `FirmwarePath`, cut at 1.10.0, prerelease ignored).
 */
import { coreVersion, isBefore, type TalosVersion } from '../extension-rules/talos-version';
import { entryPathProblem } from './entry-path';

/** File name endings of kernel modules, plain and compressed. */
export const moduleSuffixes: readonly string[] = ['.ko', '.ko.xz', '.ko.zst', '.ko.gz'];

/** True when `path` names a kernel module file (`.ko`, `.ko.xz`, `.ko.zst`, `.ko.gz`). */
export function isModuleFile(path: string): boolean {
  return moduleSuffixes.some((s) => path.endsWith(s));
}

/** A module name as the kernel compares them: `-` and `_` are the same, so use `_`. */
export function normalizeModuleName(name: string): string {
  return name.replace(/-/g, '_');
}

/** The module name a file provides: its base name without the suffix, normalized. */
export function moduleNameFromPath(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const suffix = moduleSuffixes.find((s) => base.endsWith(s)) ?? '';
  return normalizeModuleName(base.slice(0, base.length - suffix.length));
}

const usrMerge: TalosVersion = { major: 1, minor: 10, patch: 0, prerelease: [] };

/**
 * The modules directory for a Talos version (relative, no leading `/`): `usr/lib/modules` from
 * 1.10 on and when the version is unknown (Talos assumes the latest), else `lib/modules`.
 */
export function modulesRootFor(talos?: TalosVersion): string {
  return talos && isBefore(coreVersion(talos), usrMerge) ? 'lib/modules' : 'usr/lib/modules';
}

/** The firmware directory for a Talos version, like {@link modulesRootFor}. */
export function firmwareRootFor(talos?: TalosVersion): string {
  return talos && isBefore(coreVersion(talos), usrMerge) ? 'lib/firmware' : 'usr/lib/firmware';
}

/** The other modules directory: where modules for the wrong Talos generation would sit. */
export function otherModulesRoot(root: string): string {
  return root === 'lib/modules' ? 'usr/lib/modules' : 'lib/modules';
}

/**
 * The kernel release directories directly under `root` (e.g. `usr/lib/modules`), sorted: every
 * directory entry at that depth, and every name that has entries below it (layers need not
 * carry parent directories). Names with a `..` segment or another unplaceable form are skipped:
 * they are no release directory, whatever string sits at that depth.
 */
export function kernelReleaseDirs(
  entries: Iterable<{ path: string; type: string }>,
  root: string,
): string[] {
  const prefix = `${root}/`;
  const found = new Set<string>();
  for (const e of entries) {
    if (!e.path.startsWith(prefix) || entryPathProblem(e.path) !== undefined) continue;
    const rest = e.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash > 0) found.add(rest.slice(0, slash));
    else if (rest !== '' && e.type === 'directory') found.add(rest);
  }
  return [...found].sort();
}

/**
 * Splits a module path `<root>/<kver>/<rest>` into its kernel release directory and the rest, or
 * undefined when `path` is not below `root/<kver>/` (or is not a plain name, e.g. has `..`).
 */
export function splitModulePath(
  path: string,
  root: string,
): { release: string; rest: string } | undefined {
  const prefix = `${root}/`;
  if (!path.startsWith(prefix) || entryPathProblem(path) !== undefined) return undefined;
  const rest = path.slice(prefix.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  return { release: rest.slice(0, slash), rest: rest.slice(slash + 1) };
}
