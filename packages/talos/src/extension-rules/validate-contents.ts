/**
 * What may sit under an extension's `rootfs/` (siderolabs/talos
 * pkg/machinery/extensions/validate.go `validateContents`): every non-directory at an allowed path
 * prefix, no special files (only directories, regular files and symlinks), nothing world-writable.
 *
 * Talos's world-writable test reads permission bits from `fs.DirEntry.Type()`, which carries none,
 * so upstream never trips it; this check reads the real mode bits and reports what the rule means
 * to forbid.
 */
import type { LayoutEntry } from '../layout/types';
import { allowedExtensionPaths, isAllowedExtensionPath } from './allowed-paths';
import { fail, withPass, type RuleFinding } from './findings';
import { formatVersion, type TalosVersion } from './talos-version';

/** Options for {@link validateExtensionContents}. */
export interface ContentsCheckOptions {
  readonly talosVersion?: TalosVersion;
  /**
   * Paths (relative to `rootfs/`, no leading `/`) another check reports more precisely, e.g. udev
   * rules under `etc/udev`; they are left out of the allowed-path check.
   */
  readonly reportedElsewhere?: (rootfsPath: string) => boolean;
  /** At most this many failures per check are listed one by one (default 25); the rest are counted. */
  readonly maxListed?: number;
}

/** A short account of the allowed prefixes, the common ones first. */
function whereAllowed(allowed: readonly string[]): string {
  const common = ['/modules', '/firmware', '/udev/rules.d', '/usr/local'];
  const first = common
    .map((c) => allowed.find((p) => p.endsWith(c)))
    .filter((p): p is string => !!p);
  const others = allowed.length - first.length;
  return `files must sit under ${first.join(', ')}${others > 0 ? ` or ${others} other allowed prefixes (see the verify-image README)` : ''}`;
}

const specialTypes = new Set(['char', 'block', 'fifo']);

function capped(
  findings: RuleFinding[],
  max: number,
  summary: (n: number) => RuleFinding,
): RuleFinding[] {
  if (findings.length <= max) return findings;
  return [...findings.slice(0, max), summary(findings.length - max)];
}

/** Checks every entry under `rootfs/` in `entries` (paths relative to the image root). */
export function validateExtensionContents(
  entries: Iterable<LayoutEntry>,
  options: ContentsCheckOptions = {},
): RuleFinding[] {
  const allowed = allowedExtensionPaths(options.talosVersion);
  const max = options.maxListed ?? 25;
  const forWhich = options.talosVersion
    ? `Talos ${formatVersion(options.talosVersion)}`
    : 'current Talos';
  const badPaths: RuleFinding[] = [];
  const special: RuleFinding[] = [];
  const writable: RuleFinding[] = [];
  for (const e of entries) {
    if (e.path !== 'rootfs' && !e.path.startsWith('rootfs/')) continue;
    const inner = e.path.slice('rootfs/'.length);
    const abs = `/${inner}`;
    if (e.type !== 'symlink' && (e.mode & 0o002) !== 0) {
      writable.push(
        fail(
          'extension.world-writable',
          'error',
          `world-writeable files are not allowed: "${abs}" has mode ${(e.mode & 0o7777).toString(8).padStart(4, '0')}; remove write permission for others (chmod o-w) where the package installs it`,
          { path: e.path },
        ),
      );
    }
    if (specialTypes.has(e.type)) {
      special.push(
        fail(
          'extension.file-type',
          'error',
          `special files are not allowed: "${abs}" is a ${e.type === 'fifo' ? 'FIFO' : `${e.type} device`}; extensions hold only directories, regular files and symlinks, so leave it out (devices come from udev at runtime)`,
          { path: e.path },
        ),
      );
    }
    if (e.type === 'directory' || inner === '') continue;
    if (options.reportedElsewhere?.(inner)) continue;
    if (!isAllowedExtensionPath(abs, allowed)) {
      badPaths.push(
        fail(
          'extension.allowed-path',
          'error',
          `path "${abs}" is not allowed in extensions for ${forWhich}: ${whereAllowed(allowed)}; install it there or leave it out`,
          { path: e.path },
        ),
      );
    }
  }
  const more = (id: string, what: string) => (n: number) =>
    fail(id, 'error', `…and ${n} more ${what} (only the first ${max} are listed)`);
  return [
    ...withPass(
      capped(badPaths, max, more('extension.allowed-path', 'paths that are not allowed')),
      'extension.allowed-path',
      `every file under rootfs/ is at a path ${forWhich} allows`,
    ),
    ...withPass(
      capped(special, max, more('extension.file-type', 'special files')),
      'extension.file-type',
      'only directories, regular files and symlinks',
    ),
    ...withPass(
      capped(writable, max, more('extension.world-writable', 'world-writable entries')),
      'extension.world-writable',
      'nothing is world-writable',
    ),
  ];
}
