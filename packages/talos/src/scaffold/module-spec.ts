/**
 * What `new-module` is told about a module, validated up front, with the names it
 * derives: `hailort` → package `hailort-pkg`, pkgs vars `hailort_version`, extensions var
 * `HAILORT_VERSION`, extension folder `drivers/hailort` (siderolabs/pkgs hailort/pkg.yaml,
 * siderolabs/extensions drivers/hailort/).
 */
import { UserError } from '@talos-kmod/common';
import { parseVersionRange } from '../extension-rules/version-range';

/** Renovate datasources `new-module` writes (the ones upstream module packages use). */
export const renovateDatasources = ['github-releases', 'github-tags'] as const;
export type RenovateDatasource = (typeof renovateDatasources)[number];

/** Extension tiers upstream uses in `vars.yaml` (`TIER: "extra"`). */
export const extensionTiers = ['core', 'extra', 'contrib', 'deprecated'] as const;

/** What the user gives (CLI flags, or a caller's options). Optional fields have defaults. */
export interface NewModuleInput {
  /** Module name: lowercase letters, digits and `-`, starting with a letter (e.g. `hailort`). */
  readonly name: string;
  /**
   * Tarball URL with `{version}` (e.g.
   * `https://github.com/hailo-ai/hailort-drivers/archive/refs/tags/v{version}.tar.gz`), or a GitHub
   * repository URL, which becomes `<repo>/archive/refs/tags/v{version}.tar.gz`.
   */
  readonly source: string;
  readonly version: string;
  /** Directory inside the source where the module's Kbuild/Makefile is (default: the root). */
  readonly buildDir?: string;
  /** `INSTALL_MOD_DIR`: `extras` (default) or e.g. `kernel/drivers/misc`. */
  readonly installDir?: string;
  /** udev rules files, paths inside the source, installed to `/usr/lib/udev/rules.d`. */
  readonly udevRules?: readonly string[];
  /** Firmware files, paths inside the source, installed to `/usr/lib/firmware/<firmwareDir>/`. */
  readonly firmware?: readonly string[];
  /** Folder under `/usr/lib/firmware` (default: the module name). */
  readonly firmwareDir?: string;
  /** Shell line that builds the module inside `buildDir` (default: Kbuild against `/src`). */
  readonly buildCommand?: string;
  /** Extension manifest `description`. */
  readonly description: string;
  /** Extension manifest `author`. */
  readonly author: string;
  /** Extension tier (default `contrib`). */
  readonly tier?: string;
  /** Talos versions the extension supports, a semver range (default `>= v1.10.0`). */
  readonly talosVersion?: string;
  /** Renovate datasource (default: `github-releases` for release assets, else `github-tags`). */
  readonly datasource?: string;
  /** Renovate `depName` (default: `owner/repo` of a GitHub URL). */
  readonly depName?: string;
  /** Renovate `extractVersion` (default: derived from the text before `{version}` in the tag). */
  readonly extractVersion?: string;
}

/** A validated module definition with every default filled in. */
export interface ModuleDefinition {
  readonly name: string;
  /** `<name>-pkg`: the pkgs target and image. */
  readonly packageName: string;
  /** Prefix of the pkgs `Pkgfile` vars: `-` becomes `_` (`gasket-driver` → `gasket_driver`). */
  readonly pkgsVarPrefix: string;
  /** The extensions `Pkgfile` var: `<NAME>_VERSION`. */
  readonly extensionsVersionVar: string;
  readonly sourceUrl: string;
  readonly version: string;
  readonly buildDir: string;
  readonly installDir: string;
  readonly udevRules: readonly string[];
  readonly firmware: readonly string[];
  readonly firmwareDir: string;
  readonly buildCommand: string;
  readonly description: string;
  readonly author: string;
  readonly tier: string;
  readonly talosVersion: string;
  readonly renovate: {
    readonly datasource: RenovateDatasource;
    readonly depName: string;
    readonly extractVersion?: string;
  };
}

/** A module definition plus the checksums of its source tarball. */
export interface ModuleSpec extends ModuleDefinition {
  readonly sha256: string;
  readonly sha512: string;
}

/** The default build line: Kbuild's external-module build against the kernel tree in `/src`. */
export const defaultBuildCommand = 'make -j $(nproc) -C /src M=$(pwd) modules';

const namePattern = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const safePath = /^[A-Za-z0-9_.+@-]+(\/[A-Za-z0-9_.+@-]+)*$/;
const versionPattern = /^[A-Za-z0-9][A-Za-z0-9._+~-]*$/;

/** Fails unless `name` is a valid module name; says what a valid one looks like. */
export function assertModuleName(name: string): void {
  const hint =
    'use lowercase letters, digits and single dashes, starting with a letter (e.g. hailort, gasket-driver)';
  if (name.endsWith('-pkg') && namePattern.test(name)) {
    throw new UserError(
      `module name '${name}' ends with -pkg: give the module name ('${name.slice(0, -4)}'); ` +
        `the package is named '<name>-pkg' for you`,
    );
  }
  if (!namePattern.test(name) || name.length > 50) {
    throw new UserError(
      `module name '${name}' is not a valid package name: ${hint}` +
        (name.length > 50 ? ' and at most 50 characters' : ''),
    );
  }
  if (name === 'kernel' || name === 'base') {
    throw new UserError(`module name '${name}' is reserved by pkgs: choose another name`);
  }
}

function cleanRelativePath(value: string, what: string, allowRoot: boolean): string {
  const v = value
    .trim()
    .replace(/^\.\/+/, '')
    .replace(/\/+$/, '');
  if (allowRoot && (v === '' || v === '.')) return '.';
  if (!safePath.test(v) || v.split('/').some((s) => s === '..' || s === '.')) {
    throw new UserError(
      `${what} '${value}' is not a relative path inside the source: use letters, digits, ` +
        "'._+@-' and '/', without '..' or a leading '/' (e.g. linux/pcie)",
    );
  }
  return v;
}

const githubRepo = /^https:\/\/github\.com\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/;
const archiveSuffix = /\.(tar\.gz|tgz|tar\.xz|txz|tar\.bz2|tbz2|tar\.zst|tar|zip)$/;

function resolveSourceUrl(source: string): string {
  const s = source.trim();
  const repo = githubRepo.exec(s);
  if (repo) return `https://github.com/${repo[1]}/${repo[2]}/archive/refs/tags/v{version}.tar.gz`;
  let url: URL;
  try {
    url = new URL(s.replaceAll('{version}', 'VERSION'));
  } catch {
    throw new UserError(
      `source '${source}' is not a URL: give the tarball URL with {version} where the version goes ` +
        '(e.g. https://github.com/OWNER/REPO/archive/refs/tags/v{version}.tar.gz)',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UserError(`source '${source}' must be an http(s) URL`);
  }
  if (url.username || url.password) {
    throw new UserError(
      'source URL must not carry credentials: it is written into pkg.yaml for everyone to read',
    );
  }
  if (!s.includes('{version}')) {
    throw new UserError(
      `source '${source}' has no {version}: write {version} where the version goes so Renovate ` +
        'can update it (e.g. .../archive/refs/tags/v{version}.tar.gz)',
    );
  }
  if (/[{}]/.test(s.replaceAll('{version}', '')) || /\s|"/.test(s)) {
    throw new UserError(
      `source '${source}' has characters a pkg.yaml URL cannot hold (only {version} may use braces)`,
    );
  }
  return s;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The `extractVersion` that strips the tag's prefix: `v{version}` → `^v(?<version>.*)$`. */
export function deriveExtractVersion(sourceUrl: string): string | undefined {
  const path = sourceUrl.replace(/^[a-z]+:\/\/[^/]+/, '');
  const segment = path.split('/').find((p) => p.includes('{version}'));
  if (!segment) return undefined;
  const at = segment.indexOf('{version}');
  const prefix = segment.slice(0, at);
  const suffix = segment.slice(at + '{version}'.length).replace(archiveSuffix, '');
  if (suffix.includes('{version}')) return undefined;
  if (prefix === '' && suffix === '') return undefined;
  return `^${escapeRegex(prefix)}(?<version>.*)${escapeRegex(suffix)}$`;
}

function resolveRenovate(input: NewModuleInput, sourceUrl: string): ModuleDefinition['renovate'] {
  const ds =
    input.datasource ??
    (sourceUrl.includes('/releases/download/') ? 'github-releases' : 'github-tags');
  if (!(renovateDatasources as readonly string[]).includes(ds)) {
    throw new UserError(
      `renovate datasource '${ds}' is not supported: use ${renovateDatasources.join(' or ')}`,
    );
  }
  const gh =
    /^https:\/\/(?:github\.com|codeload\.github\.com)\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)\//.exec(
      sourceUrl,
    );
  const depName = input.depName ?? (gh ? `${gh[1]}/${gh[2]}` : undefined);
  if (!depName || !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(depName)) {
    throw new UserError(
      depName
        ? `renovate depName '${depName}' is not OWNER/REPO of a GitHub repository`
        : `cannot tell the GitHub repository of '${sourceUrl}' for Renovate: give --dep-name OWNER/REPO`,
    );
  }
  // An empty extractVersion means "none": the tags are the versions.
  const extractVersion =
    input.extractVersion === undefined
      ? deriveExtractVersion(sourceUrl)
      : input.extractVersion || undefined;
  if (extractVersion !== undefined) {
    let ok = extractVersion.includes('(?<version>');
    try {
      new RegExp(extractVersion);
    } catch {
      ok = false;
    }
    if (!ok || /\s/.test(extractVersion)) {
      throw new UserError(
        `extractVersion '${extractVersion}' must be a regular expression without spaces with a ` +
          '(?<version>…) group, e.g. ^v(?<version>.*)$',
      );
    }
  }
  return {
    datasource: ds as RenovateDatasource,
    depName,
    ...(extractVersion ? { extractVersion } : {}),
  };
}

function resolveTalosVersion(range: string): string {
  const r = range.trim();
  const parsed = parseVersionRange(r);
  if (!parsed.ok) {
    throw new UserError(
      `Talos compatibility '${range}' is not a range Talos accepts (${parsed.error}): use e.g. ">= v1.10.0"`,
    );
  }
  return r;
}

/** Validates the input and fills in defaults; every problem is a {@link UserError}. */
export function resolveModuleDefinition(input: NewModuleInput): ModuleDefinition {
  assertModuleName(input.name);
  const sourceUrl = resolveSourceUrl(input.source);
  if (!versionPattern.test(input.version) || input.version.length > 128) {
    throw new UserError(
      `version '${input.version}' is not a version: use letters, digits and '._+~-' (e.g. 4.24.0)`,
    );
  }
  const installDir = cleanRelativePath(input.installDir ?? 'extras', 'install dir', false);
  const description = input.description.trim();
  if (description === '') {
    throw new UserError('the extension description is empty: say what the module drives');
  }
  const author = input.author.trim();
  if (author === '' || /[\r\n]/.test(author)) {
    throw new UserError('the extension author must be one non-empty line (e.g. "hailo.ai team")');
  }
  const tier = input.tier ?? 'contrib';
  if (!(extensionTiers as readonly string[]).includes(tier)) {
    throw new UserError(`tier '${tier}' is not one of ${extensionTiers.join(', ')}`);
  }
  const buildCommand = (input.buildCommand ?? defaultBuildCommand).trim();
  if (buildCommand === '' || /[\r\n]/.test(buildCommand)) {
    throw new UserError('the build command must be one non-empty shell line');
  }
  const rel = (what: string) => (p: string) => cleanRelativePath(p, what, false);
  const udevRules = (input.udevRules ?? []).map(rel('udev rules file'));
  for (const r of udevRules) {
    if (!r.endsWith('.rules')) {
      throw new UserError(`udev rules file '${r}' must end with .rules (udev ignores other names)`);
    }
  }
  const firmware = (input.firmware ?? []).map(rel('firmware file'));
  for (const [what, list] of [
    ['udev rules', udevRules],
    ['firmware', firmware],
  ] as const) {
    const seen = new Set<string>();
    for (const p of list) {
      const base = p.slice(p.lastIndexOf('/') + 1);
      if (seen.has(base)) {
        throw new UserError(
          `two ${what} files are named '${base}': they would overwrite each other in the image`,
        );
      }
      seen.add(base);
    }
  }
  return {
    name: input.name,
    packageName: `${input.name}-pkg`,
    pkgsVarPrefix: input.name.replaceAll('-', '_'),
    extensionsVersionVar: `${input.name.replaceAll('-', '_').toUpperCase()}_VERSION`,
    sourceUrl,
    version: input.version,
    buildDir: cleanRelativePath(input.buildDir ?? '.', 'build dir', true),
    installDir,
    udevRules,
    firmware,
    firmwareDir: cleanRelativePath(input.firmwareDir ?? input.name, 'firmware dir', false),
    buildCommand,
    description,
    author,
    tier,
    talosVersion: resolveTalosVersion(input.talosVersion ?? '>= v1.10.0'),
    renovate: resolveRenovate(input, sourceUrl),
  };
}

/** The tarball URL for the module's version (`{version}` filled in). */
export function sourceUrlFor(def: Pick<ModuleDefinition, 'sourceUrl' | 'version'>): string {
  return def.sourceUrl.replaceAll('{version}', def.version);
}

/** Normalises and checks a hex checksum of the given length (64 for sha256, 128 for sha512). */
export function assertChecksum(value: string, algo: 'sha256' | 'sha512'): string {
  const v = value.trim().toLowerCase();
  const len = algo === 'sha256' ? 64 : 128;
  if (!new RegExp(`^[0-9a-f]{${len}}$`).test(v)) {
    throw new UserError(`--${algo} '${value}' is not ${len} hex digits`);
  }
  return v;
}
