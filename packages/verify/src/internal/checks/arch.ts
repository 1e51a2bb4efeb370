/** Modules are built for the platform's CPU: an amd64 image needs x86_64 modules, arm64 aarch64. */
import type { Platform } from '@talos-kmod/oci';
import type { CollectedModule } from '../collect';
import { fail, withPass, type Finding } from '@talos-kmod/talos';

/** ELF machine names the kernel of each OCI architecture loads. */
const machines: Record<string, string> = {
  amd64: 'x86_64',
  arm64: 'aarch64',
  '386': 'i386',
  arm: 'arm',
  riscv64: 'riscv',
  ppc64le: 'ppc64',
  s390x: 's390',
  loong64: 'loongarch',
};

/** Every module's ELF machine matches `platform` (skipped without a platform). */
export function checkArch(
  platform: Platform | undefined,
  modules: readonly CollectedModule[],
): Finding[] {
  const id = 'module.arch';
  const expected = platform ? machines[platform.architecture] : undefined;
  if (!platform || !expected || modules.length === 0) return [];
  const out: Finding[] = [];
  for (const m of modules) {
    if (m.machine === undefined || m.machine === expected) continue;
    out.push(
      fail(
        id,
        'error',
        `${m.name} (${m.path}) is built for ${m.machine} but sits in the ${platform.os}/${platform.architecture} image, whose ${expected} kernel cannot load it. Build the package for ${platform.architecture} (PLATFORM=${platform.os}/${platform.architecture}) and put each architecture's modules in its own platform image`,
        { path: m.path },
      ),
    );
  }
  return withPass(out, id, `every module is built for ${expected}`);
}
