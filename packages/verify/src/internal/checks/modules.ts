/** Required modules, firmware files and module dependencies. */
import { normalizeModuleName, fail, withPass, pass, type Finding } from '@talos-kmod/talos';
import type { CollectedModule } from '../collect';
import { count, grouped, listSome, type CheckContext } from './context';

/** Every module named in the `modules` input is in the image. */
export function checkRequiredModules(
  ctx: CheckContext,
  modules: readonly CollectedModule[],
): Finding[] {
  const id = 'modules.required';
  if (ctx.options.modules.length === 0) return [];
  const present = new Set(modules.map((m) => m.name));
  const out: Finding[] = [];
  for (const name of ctx.options.modules) {
    if (present.has(name)) continue;
    const found =
      modules.length > 0
        ? `it holds ${listSome([...present].sort(), 8)}`
        : 'it holds no kernel modules';
    out.push(
      fail(
        id,
        'error',
        `module ${name} is not in the image (${found}): check the package's install step puts ${name}.ko under /${ctx.modulesRoot}/<kver>/, and that the extension copies it from the package`,
      ),
    );
  }
  return withPass(
    out,
    id,
    `required ${count(ctx.options.modules.length, 'module')} present: ${ctx.options.modules.join(', ')}`,
  );
}

const firmwareSuffixes = ['', '.xz', '.zst'];

/** Firmware named by `firmware=` in a module is in the image (the kernel also tries .xz/.zst). */
export function checkFirmware(ctx: CheckContext, modules: readonly CollectedModule[]): Finding[] {
  const id = 'firmware.present';
  const base = `${ctx.kind.root}${ctx.firmwareRoot}`;
  const files = new Set(ctx.tree.entries.filter((e) => e.type !== 'directory').map((e) => e.path));
  const out: Finding[] = [];
  let wanted = 0;
  for (const m of modules) {
    for (const fw of m.firmware) {
      wanted++;
      if (firmwareSuffixes.some((s) => files.has(`${base}/${fw}${s}`))) continue;
      out.push(
        fail(
          id,
          'warning',
          `${m.name} asks for firmware ${fw}, which is not at ${base}/${fw}: the driver fails at probe unless another extension provides it (e.g. siderolabs/linux-firmware, or install it to /${ctx.firmwareRoot}/${fw} in the package)`,
          { path: m.path },
        ),
      );
    }
  }
  if (wanted === 0) return [pass(id, 'no module names firmware', 'warning')];
  return withPass(
    out,
    id,
    `${count(wanted, 'firmware file')} named by the modules present under ${base}`,
    'warning',
  );
}

/** Each `depends=` entry resolves to a module of the image or of the kernel image. */
export function checkDepends(ctx: CheckContext, modules: readonly CollectedModule[]): Finding[] {
  const id = 'depends.resolved';
  const own = new Set(modules.map((m) => m.name));
  const kernel = ctx.kernel?.moduleNames;
  const out: Finding[] = [];
  const notChecked = new Set<string>();
  for (const m of modules) {
    for (const dep of m.depends.map(normalizeModuleName)) {
      if (own.has(dep) || kernel?.has(dep)) continue;
      if (!kernel) {
        notChecked.add(dep);
        continue;
      }
      out.push(
        fail(
          id,
          'warning',
          `${m.name} depends on ${dep}, which is neither in the image nor among the kernel image's modules: modprobe cannot load ${m.name}. Add ${dep} to the package, or enable it in the kernel config`,
          { path: m.path },
        ),
      );
    }
  }
  if (notChecked.size > 0) {
    out.push(
      fail(
        id,
        'info',
        `dependencies not in the image: ${listSome([...notChecked].sort(), 10)}; they must come from the kernel. Pass kernel-image to check them against its modules`,
      ),
    );
  }
  const total = modules.reduce((n, m) => n + m.depends.length, 0);
  return withPass(
    out,
    id,
    total === 0
      ? 'no module has dependencies'
      : `${grouped(total)} ${total === 1 ? 'dependency resolves' : 'dependencies resolve'} within the image${kernel ? ' and the kernel image' : ''}`,
    'warning',
  );
}
