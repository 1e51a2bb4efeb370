/**
 * Kernel release checks. The imager copies an extension's `/usr/lib/modules/<kver>` for exactly
 * the kernel's release and runs depmod (siderolabs/talos internal/pkg/extensions/kernel_modules.go),
 * and the kernel refuses a module whose vermagic names another release. Talos before 1.10 used
 * `/lib/modules` (pkg/machinery/imager/quirks).
 */
import {
  kernelReleaseDirs,
  otherModulesRoot,
  splitModulePath,
  fail,
  withPass,
  pass,
  type Finding,
} from '@talos-kmod/talos';
import type { CollectedModule } from '../collect';
import { listSome, type CheckContext } from './context';

function forTalos(ctx: CheckContext): string {
  return ctx.options.talosVersionText
    ? `Talos ${ctx.options.talosVersionText}`
    : 'Talos 1.10 and later (no talos-version given)';
}

function pathChecks(
  ctx: CheckContext,
  modules: readonly CollectedModule[],
  base: string,
): Finding[] {
  const id = 'kernel-release.modules-path';
  const out: Finding[] = [];
  const other = `${ctx.kind.root}${otherModulesRoot(ctx.modulesRoot)}`;
  for (const m of modules) {
    if (splitModulePath(m.path, base)) continue;
    const hint = splitModulePath(m.path, other)
      ? `${forTalos(ctx)} reads modules from /${ctx.modulesRoot}; ${ctx.modulesRoot === 'usr/lib/modules' ? 'if the image targets Talos before 1.10, pass talos-version, else install modules with INSTALL_MOD_PATH=/rootfs/usr' : 'Talos before 1.10 reads /lib/modules: install with INSTALL_MOD_PATH=/rootfs, or pass the right talos-version'}`
      : `modprobe and the imager only look in /${ctx.modulesRoot}/<kernel release>/`;
    out.push(
      fail(id, 'error', `${m.name} is at ${m.path}, outside ${base}/<kver>/: ${hint}`, {
        path: m.path,
      }),
    );
  }
  return withPass(out, id, `every module is under ${base}/<kver>/`);
}

function dirChecks(ctx: CheckContext, base: string, dirs: readonly string[]): Finding[] {
  const id = 'kernel-release.dir';
  if (dirs.length === 1) return [pass(id, `one kernel release directory: ${base}/${dirs[0]}`)];
  if (dirs.length === 0) return [];
  const matching =
    ctx.referenceRelease && dirs.includes(ctx.referenceRelease)
      ? ` Only ${ctx.referenceRelease} matches the kernel; the imager copies that one and ignores the rest.`
      : '';
  return [
    fail(
      id,
      'error',
      `${dirs.length} kernel release directories under ${base}: ${dirs.join(', ')}. A module package or extension is built for exactly one kernel.${matching} Rebuild from one kernel-build and remove the stale directory (a cached layer from an older kernel often leaves one behind)`,
      { path: base },
    ),
  ];
}

function releaseChecks(ctx: CheckContext, base: string, dirs: readonly string[]): Finding[] {
  const id = 'kernel-release.kernel';
  const out: Finding[] = [];
  const kernel = ctx.kernel;
  if (kernel && kernel.releaseDirs.length !== 1) {
    out.push(
      fail(
        id,
        'error',
        `the kernel image ${kernel.description} has ${kernel.releaseDirs.length === 0 ? 'no kernel release directory' : `${kernel.releaseDirs.length} kernel release directories (${kernel.releaseDirs.join(', ')})`} under ${kernel.modulesRoot}: pass the kernel image built by pkgs (make kernel), which holds exactly one`,
      ),
    );
  }
  if (
    kernel?.release &&
    ctx.options.kernelRelease &&
    kernel.release !== ctx.options.kernelRelease
  ) {
    out.push(
      fail(
        id,
        'error',
        `kernel-release ${ctx.options.kernelRelease} differs from the kernel image's release ${kernel.release}: drop kernel-release (the kernel image is the reference) or pass the kernel image it belongs to`,
      ),
    );
  }
  const reference = ctx.referenceRelease;
  if (reference && dirs.length === 1 && dirs[0] !== reference) {
    out.push(
      fail(
        id,
        'error',
        `the modules are in ${base}/${dirs[0]}, but the kernel's release is ${reference}: the imager copies only ${ctx.modulesRoot}/${reference} from an extension, so these modules never reach the node. Build the package against this kernel (same make kernel <pkg> run) and rebuild the extension`,
        { path: `${base}/${dirs[0]}` },
      ),
    );
  }
  if (out.length > 0) return out;
  if (!reference)
    return dirs.length === 1
      ? [
          pass(
            id,
            `kernel release ${dirs[0]}; pass kernel-image or kernel-release to check it is the node's`,
            'info',
          ),
        ]
      : [];
  return dirs.length === 1
    ? [pass(id, `the modules' release directory is the kernel's release ${reference}`)]
    : [];
}

function vermagicChecks(
  ctx: CheckContext,
  modules: readonly CollectedModule[],
  base: string,
): Finding[] {
  const id = 'kernel-release.vermagic';
  const out: Finding[] = [];
  for (const m of modules) {
    const dir = splitModulePath(m.path, base)?.release;
    const expected = ctx.referenceRelease ?? dir;
    if (!expected) continue;
    if (m.release === expected) continue;
    const against = ctx.referenceRelease
      ? `the kernel is ${expected}`
      : `it sits in the ${expected} directory`;
    out.push(
      fail(
        id,
        'error',
        `${m.name} (${m.path}) was built for ${m.release ?? 'an unknown release'} (vermagic "${m.vermagic ?? ''}"), but ${against}: the kernel refuses it ("version magic" mismatch). Rebuild the package against this kernel's kernel-build`,
        { path: m.path },
      ),
    );
  }
  const releases = [...new Set(modules.map((m) => m.release ?? '?'))];
  return withPass(out, id, `every module's vermagic names ${listSome(releases)}`);
}

/** Where the modules sit and which kernel release they are for. */
export function checkKernelRelease(
  ctx: CheckContext,
  modules: readonly CollectedModule[],
): { outcomes: Finding[]; release?: string } {
  const base = `${ctx.kind.root}${ctx.modulesRoot}`;
  const dirs = kernelReleaseDirs(ctx.tree.entries, base);
  if (modules.length === 0 && dirs.length === 0) {
    const kernelOnly =
      ctx.kernel || ctx.options.kernelRelease ? releaseChecks(ctx, base, dirs) : [];
    return {
      outcomes: [
        pass(
          'kernel-release.dir',
          `no kernel modules under ${base}: nothing to match with a kernel`,
          'info',
        ),
        ...kernelOnly.filter((o) => o.status === 'fail'),
      ],
    };
  }
  return {
    outcomes: [
      ...pathChecks(ctx, modules, base),
      ...dirChecks(ctx, base, dirs),
      ...releaseChecks(ctx, base, dirs),
      ...vermagicChecks(ctx, modules, base),
    ],
    ...(dirs.length === 1 ? { release: dirs[0] } : {}),
  };
}
