/**
 * What may sit under an extension's `rootfs/` (siderolabs/talos
 * pkg/machinery/extensions/validate.go `validateContents`): every non-directory at an allowed path
 * prefix, no special files (only directories, regular files and symlinks), nothing world-writable.
 *
 * Talos's world-writable test reads permission bits from `fs.DirEntry.Type()`, which carries none,
 * so upstream never trips it; this check reads the real mode bits and reports what the rule means
 * to forbid.
 *
 * Talos walks an unpacked directory, where every name is plain; a layer's tar is not. Here a name
 * with `..` or an absolute name is refused outright, allowed prefixes are compared on `/`
 * boundaries, and a link that leads out of `rootfs/` (a symlink whose `..` climbs above it, a hard
 * link to a file outside it) fails: unpacking such a link on the build host writes or reads there.
 */
import type { ImageEntry } from '../image-contents/types';
import { normalizeEntryPath, resolveLinkTarget } from '../image-contents/entry-path';
import { allowedExtensionPaths, isAllowedExtensionPath } from './allowed-paths';
import { fail, withPass, type Finding } from './findings';
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

function capped(findings: Finding[], max: number, summary: (n: number) => Finding): Finding[] {
  if (findings.length <= max) return findings;
  return [...findings.slice(0, max), summary(findings.length - max)];
}

/** A failure when link entry `e` (at `inner` below `rootfs/`) leads out of `rootfs/`. */
function linkProblem(e: ImageEntry, inner: string): Finding | undefined {
  const target = e.linkTarget;
  if (target === undefined) return undefined;
  if (e.type === 'symlink' && resolveLinkTarget(inner, target).escapes) {
    return fail(
      'extension.link-target',
      'error',
      `symlink "/${inner}" points to "${target}", which climbs above the extension's root: unpacked on the build host it leads out of the extension's folder. Point it at a path inside the extension (relative, without climbing above /) or leave it out`,
      { path: e.path },
    );
  }
  if (e.type === 'hardlink') {
    const to = normalizeEntryPath(target);
    if (!to.ok || !to.path.startsWith('rootfs/')) {
      return fail(
        'extension.link-target',
        'error',
        `hard link "/${inner}" names "${target}", ${to.ok ? 'which is outside rootfs/' : `which cannot be placed (${to.reason})`}: an extension's files must all sit under rootfs/. Copy the file instead, or link to a file under rootfs/`,
        { path: e.path },
      );
    }
  }
  return undefined;
}

/** Checks every entry under `rootfs/` in `entries` (paths relative to the image root). */
export function validateExtensionContents(
  entries: Iterable<ImageEntry>,
  options: ContentsCheckOptions = {},
): Finding[] {
  const allowed = allowedExtensionPaths(options.talosVersion);
  const max = options.maxListed ?? 25;
  const forWhich = options.talosVersion
    ? `Talos ${formatVersion(options.talosVersion)}`
    : 'current Talos';
  const badPaths: Finding[] = [];
  const special: Finding[] = [];
  const writable: Finding[] = [];
  const links: Finding[] = [];
  for (const e of entries) {
    const name = normalizeEntryPath(e.path);
    if (!name.ok) {
      badPaths.push(
        fail(
          'extension.allowed-path',
          'error',
          `entry "${e.path}" cannot be placed: ${name.reason}. Talos and the imager place files by name, and this one would land where no rule here looks; rebuild the image from a plain directory tree (no ".." segments, no absolute names)`,
          { path: e.path },
        ),
      );
      continue;
    }
    if (name.path !== 'rootfs' && !name.path.startsWith('rootfs/')) continue;
    const inner = name.path.slice('rootfs/'.length);
    const abs = `/${inner}`;
    const link = linkProblem(e, inner);
    if (link) links.push(link);
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
    ...withPass(
      capped(links, max, more('extension.link-target', 'links that leave rootfs/')),
      'extension.link-target',
      'every link stays inside rootfs/',
    ),
  ];
}
