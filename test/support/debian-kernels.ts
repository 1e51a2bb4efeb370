/**
 * Real Debian kernel builds for tests, unpacked by scripts/fetch-debian-kernels.sh (setup.sh runs
 * it) into /var/cache/talos-kmod/debian-kernels (or $TALOS_KMOD_DEBIAN_KERNELS): per package its
 * `/boot/vmlinuz-<release>` and `/lib/modules/<release>` with the modules signed by that build's key.
 * Two amd64 builds share the signer name but not the key; one arm64 build has a plain `Image`.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where the cache is. */
export const DEBIAN_KERNELS_DIR =
  process.env['TALOS_KMOD_DEBIAN_KERNELS'] ?? '/var/cache/talos-kmod/debian-kernels';

/** One unpacked Debian kernel package. */
export interface DebianKernel {
  /** `linux-image-6.1.0-57-cloud-amd64-unsigned`. */
  readonly package: string;
  /** The kernel release, `6.1.0-57-cloud-amd64`. */
  readonly release: string;
  readonly arch: 'amd64' | 'arm64';
  /** `cloud` or `generic` (the plain `-amd64` flavour). */
  readonly flavour: 'cloud' | 'generic';
  /** The unpacked package root. */
  readonly root: string;
  /** `/boot/vmlinuz-<release>`: a bzImage on amd64, a plain arm64 `Image` on arm64. */
  readonly vmlinuz: string;
  /** `lib/modules/<release>` (holds `kernel/**.ko`). */
  readonly modulesDir: string;
}

function missing(detail: string): Error {
  return new Error(
    `real Debian kernels are not cached in ${DEBIAN_KERNELS_DIR} (${detail}); run sudo ./scripts/fetch-debian-kernels.sh (./scripts/setup.sh runs it)`,
  );
}

/** Every cached kernel; throws a message saying how to fetch them when the cache is missing. */
export function debianKernels(): DebianKernel[] {
  const list = join(DEBIAN_KERNELS_DIR, 'kernels.txt');
  if (!existsSync(list)) throw missing('no kernels.txt');
  const names = readFileSync(list, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return names.map((name) => {
    const root = join(DEBIAN_KERNELS_DIR, name, 'root');
    if (!existsSync(join(DEBIAN_KERNELS_DIR, name, '.complete')))
      throw missing(`${name} incomplete`);
    const release = /^linux-image-(.+?)(?:-unsigned)?$/.exec(name)?.[1];
    if (!release) throw missing(`unexpected package name ${name}`);
    const boot = join(root, 'boot');
    const vmlinuz = readdirSync(boot).find((f) => f === `vmlinuz-${release}`);
    if (!vmlinuz) throw missing(`no vmlinuz-${release} in ${boot}`);
    const modulesDir = ['lib', 'usr/lib']
      .map((d) => join(root, d, 'modules', release))
      .find((d) => existsSync(d));
    if (!modulesDir) throw missing(`no modules directory for ${release}`);
    return {
      package: name,
      release,
      arch: release.endsWith('-arm64') ? 'arm64' : 'amd64',
      flavour: release.includes('-cloud-') ? 'cloud' : 'generic',
      root,
      vmlinuz: join(boot, vmlinuz),
      modulesDir,
    } as const;
  });
}

/** The cached kernel of `arch` and `flavour`; throws when it is not there. */
export function debianKernel(arch: 'amd64' | 'arm64', flavour: 'cloud' | 'generic'): DebianKernel {
  const hit = debianKernels().find((k) => k.arch === arch && k.flavour === flavour);
  if (!hit) throw missing(`no ${flavour} ${arch} kernel`);
  return hit;
}

/** Paths of the signed modules (`*.ko`) under a kernel's modules directory, sorted. */
export function debianKernelModules(kernel: DebianKernel): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ko(\.(xz|zst|gz))?$/.test(e.name)) out.push(p);
    }
  };
  walk(join(kernel.modulesDir, 'kernel'));
  return out.sort();
}
