/**
 * Paths a system extension may carry, by Talos version (`AllowedPaths` in siderolabs/talos
 * pkg/machinery/extensions/extensions.go on each release branch). Talos tests each non-directory
 * under `rootfs` with a plain string prefix test against this list (validate.go
 * `validateContents`), so `/usr/localevil/x` passes there; here the comparison is on `/`
 * boundaries, stricter than the node, as a verdict must never be looser than what it predicts.
 */
import { isUnderPrefix } from '../image-contents/entry-path';
import { compareVersions, type TalosVersion } from './talos-version';

const v = (major: number, minor: number): TalosVersion => ({
  major,
  minor,
  patch: 0,
  prerelease: [],
});

const graphics = ['/usr/share/glvnd', '/usr/share/egl', '/etc/vulkan'];

/** Each entry holds from `since` until the next entry's `since`. */
const history: readonly { since: TalosVersion; paths: readonly string[] }[] = [
  {
    since: v(0, 0),
    paths: [
      '/etc/cri/conf.d',
      '/lib/firmware',
      '/lib/modules',
      '/lib64/ld-linux-x86-64.so.2',
      '/usr/etc/udev/rules.d',
      '/usr/local',
    ],
  },
  {
    since: v(1, 5),
    paths: [
      '/etc/cri/conf.d',
      '/lib/firmware',
      '/lib/modules',
      '/lib64/ld-linux-x86-64.so.2',
      '/usr/etc/udev/rules.d',
      '/usr/local',
      ...graphics,
    ],
  },
  {
    since: v(1, 9),
    paths: [
      '/etc/cri/conf.d',
      '/lib/firmware',
      '/lib/modules',
      '/lib64/ld-linux-x86-64.so.2',
      '/sbin/ldconfig',
      '/usr/lib/udev/rules.d',
      '/usr/local',
      ...graphics,
    ],
  },
  {
    since: v(1, 10),
    paths: [
      '/etc/cri/conf.d',
      '/usr/lib/firmware',
      '/usr/lib/modules',
      '/usr/lib/ld-linux-x86-64.so.2',
      '/usr/bin/ldconfig',
      '/usr/lib/udev/rules.d',
      '/usr/local',
      ...graphics,
    ],
  },
  {
    since: v(1, 12),
    paths: [
      '/etc/cri/conf.d',
      '/usr/lib/firmware',
      '/usr/lib/modules',
      '/usr/lib/ld-linux-x86-64.so.2',
      '/usr/lib/ld-linux-aarch64.so.1',
      '/usr/bin/ldconfig',
      '/usr/lib/udev/rules.d',
      '/usr/local',
      ...graphics,
    ],
  },
  {
    since: v(1, 13),
    paths: [
      '/etc/cri/conf.d',
      '/usr/lib/firmware',
      '/usr/lib/modules',
      '/usr/lib/ld-linux-x86-64.so.2',
      '/usr/lib/ld-linux-aarch64.so.1',
      '/usr/bin/ldconfig',
      '/etc/ld.so.conf',
      '/etc/ld.so.cache',
      '/usr/bin/nvidia-modprobe',
      '/usr/bin/nvidia-pcc',
      '/usr/bin/nvidia-smi',
      '/usr/bin/nvidia-ctk',
      '/usr/bin/nvidia-cdi-hook',
      '/usr/bin/nvme',
      '/usr/lib/udev/rules.d',
      '/usr/local',
      ...graphics,
    ],
  },
];

/**
 * The allowed prefixes for a Talos version (compared by MAJOR.MINOR.PATCH); without a version the
 * newest list, as Talos assumes the latest when it cannot parse one.
 */
export function allowedExtensionPaths(talos?: TalosVersion): readonly string[] {
  const core = talos ? { ...talos, prerelease: [] } : undefined;
  let paths = history.at(-1)?.paths ?? [];
  if (core) {
    for (const h of history) if (compareVersions(core, h.since) >= 0) paths = h.paths;
  }
  return paths;
}

/**
 * True when the normalised `absolutePath` (with a leading `/`) is an allowed path or lies below
 * one, on segment boundaries (`/usr/local/x` yes, `/usr/localevil/x` no).
 */
export function isAllowedExtensionPath(absolutePath: string, allowed: readonly string[]): boolean {
  return allowed.some((prefix) => isUnderPrefix(absolutePath, prefix));
}

/** The allowed directory for udev rules (`/usr/lib/udev/rules.d`, before 1.9 `/usr/etc/udev/rules.d`). */
export function udevRulesDirFor(talos?: TalosVersion): string {
  return (
    allowedExtensionPaths(talos).find((p) => p.endsWith('/udev/rules.d')) ?? '/usr/lib/udev/rules.d'
  );
}
