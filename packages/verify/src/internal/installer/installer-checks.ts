/**
 * The installer checks, on what {@link inspectInstaller} read: each has an id, a severity and a
 * message that says what to do. They prove what the node will boot: the kernel and its
 * certificate, the command line's module signature rule, and every extension and module inside
 * the initramfs (talos #11426 imager as base installer, #12388 missing extensions, #7174/#9437
 * modules signed by another build's key).
 */
import {
  checkModulesDep,
  sigEnforcement,
  type ImagerEvidence,
  fail,
  pass,
  type Finding,
} from '@talos-kmod/talos';
import { count, listSome } from '../checks/context';
import type { KernelFacts } from './boot-readers';
import type { InstallerContents } from './inspect-installer';

/** The kernel image the installer must boot, when one was given. */
export interface ExpectedKernel {
  readonly description: string;
  readonly facts: KernelFacts & { readonly sha256?: string };
}

/** What the installer must hold besides itself. */
export interface InstallerExpectations {
  readonly kernel?: ExpectedKernel;
  /** Reads the kernel image's own kernel when `kernel` is not known up front (read once, lazily). */
  readonly readKernel?: () => Promise<ExpectedKernel | undefined>;
  /** Extension names the installer must carry, with the input that named each. */
  readonly extensions: readonly { readonly input: string; readonly name: string }[];
}

/** The imager-as-base-installer check (talos #11426), once per platform. */
export function checkInstallerBase(evidence: ImagerEvidence): Finding[] {
  const id = 'installer.base';
  if (evidence.imager.length === 0) {
    return [
      pass(
        id,
        `built on an installer base (${evidence.installer.join(', ') || 'no imager binary'})`,
      ),
    ];
  }
  return [
    fail(
      id,
      'error',
      `this is an imager image used as the base installer: it holds ${evidence.imager.join(', ')}${evidence.installer.length === 0 ? ' and no installer binary' : ''} (talos #11426), so the node gets no working installer. Rebuild with --base-installer-image <registry>/<user>/installer-base:<tag> (make installer-base), not the imager`,
      { path: evidence.imager[0] ?? '' },
    ),
  ];
}

const fingerprints = (f: KernelFacts): string[] => f.certificates.map((c) => c.sha256Fingerprint);

function kernelChecks(c: InstallerContents, expected: InstallerExpectations): Finding[] {
  const out: Finding[] = [];
  const where = { path: c.kernelPath };
  if (c.uki) {
    const missing = ['.linux', '.initrd', '.uname', '.cmdline'].filter(
      (s) => !c.uki?.sectionNames.includes(s),
    );
    if (c.uki.problems.length > 0 || missing.length > 0) {
      out.push(
        fail(
          'installer.uki',
          'error',
          `${c.kernelPath} is not a complete UKI (${[...c.uki.problems, ...(missing.length ? [`no ${missing.join(', ')} section`] : [])].join('; ')}): the node cannot boot it. Rebuild the installer with the imager`,
          where,
        ),
      );
    } else {
      out.push(pass('installer.uki', `${c.kernelPath}: UKI with ${c.uki.sectionNames.join(' ')}`));
    }
  }
  const certs = c.kernel.certificates;
  if (certs.length === 0) {
    out.push(
      fail(
        'installer.kernel-certificate',
        'error',
        `no module signing certificate found in the kernel of ${c.kernelPath}${c.kernel.problems.length ? ` (${c.kernel.problems.join('; ')})` : ''}: no module signature can be proven. Check the installer was built from a Talos kernel (CONFIG_MODULE_SIG=y)`,
        where,
      ),
    );
  } else {
    out.push(
      pass(
        'installer.kernel-certificate',
        `kernel ${c.release ?? '?'} trusts ${certs.map((x) => `"${x.commonName ?? x.subject}" (SHA-256 ${x.sha256Fingerprint})`).join(', ')}`,
      ),
    );
  }
  if (c.cmdline !== undefined) {
    const rule = sigEnforcement(c.cmdline, c.talosVersion);
    const version = c.talosVersionText ? `Talos ${c.talosVersionText}` : 'this Talos version';
    out.push(
      rule.enforced
        ? pass('installer.cmdline', `${version}: ${rule.explanation}`, 'warning')
        : fail(
            'installer.cmdline',
            'warning',
            `${version}: ${rule.explanation}. Drop -module.sig_enforce / module.sig_enforce=0 from the extra kernel arguments (or pass --extra-kernel-arg module.sig_enforce=1) and rebuild the installer`,
            where,
          ),
    );
  }
  const k = expected.kernel;
  if (k) {
    const want = fingerprints(k.facts);
    const have = fingerprints(c.kernel);
    const same =
      (k.facts.sha256 !== undefined && k.facts.sha256 === c.kernel.sha256) ||
      (want.length > 0 &&
        want.every((f) => have.includes(f)) &&
        have.every((f) => want.includes(f)));
    const describe = (f: readonly string[], release?: string) =>
      `${f.length ? `certificate SHA-256 ${f.join(', ')}` : 'no certificate'}, release ${release ?? '?'}`;
    out.push(
      same
        ? pass(
            'installer.kernel-image',
            `the installer boots the kernel of ${k.description} (${describe(want, k.facts.release)})`,
          )
        : fail(
            'installer.kernel-image',
            'error',
            `the installer's kernel (${describe(have, c.release)}) is not the kernel image ${k.description} (${describe(want, k.facts.release)}): the imager embeds another kernel build (a stale or stock imager), so modules signed by this kernel build are refused. Rebuild installer-base and imager with PKG_KERNEL=<kernel-image>, then the installer`,
            where,
          ),
    );
  }
  return out;
}

function extensionChecks(c: InstallerContents, expected: InstallerExpectations): Finding[] {
  const out: Finding[] = [];
  if (c.initramfsProblems.length > 0) {
    out.push(
      fail(
        'installer.initramfs',
        'error',
        `the initramfs of ${c.kernelPath} cannot be read as the kernel reads it: ${listSome(c.initramfsProblems, 3)}. Rebuild the installer`,
        { path: c.kernelPath },
      ),
    );
  }
  const layers = c.config?.layers ?? [];
  const listed = new Set(layers.map((l) => l.image));
  const problems: string[] = [...(c.config?.problems ?? [])];
  for (const l of layers) {
    if (!c.squashfsFiles.includes(l.image))
      problems.push(`extensions.yaml lists ${l.name} as ${l.image}, which the initramfs lacks`);
  }
  for (const f of c.squashfsFiles) {
    if (!listed.has(f))
      problems.push(
        `${f} is in the initramfs but not in extensions.yaml, so the node never mounts it`,
      );
  }
  if (c.squashfsFiles.length > 0 && !c.config)
    problems.push('the initramfs has extension images but no extensions.yaml');
  out.push(
    problems.length > 0
      ? fail(
          'installer.extensions',
          'error',
          `${listSome(problems, 4)}: rebuild the installer with the imager`,
          { path: c.kernelPath },
        )
      : pass(
          'installer.extensions',
          layers.length === 0
            ? 'no system extensions in the initramfs'
            : `extensions.yaml lists ${layers.map((l) => `${l.name} ${l.version} (${l.image})`).join(', ')}, each present`,
        ),
  );
  for (const e of c.extensions) {
    if (e.problems.length === 0) continue;
    out.push(
      fail(
        'installer.squashfs',
        'error',
        `${e.image} (${e.name}) cannot be read: ${listSome([...e.problems], 3)}. The image is truncated or corrupt; rebuild the installer`,
        { path: c.kernelPath },
      ),
    );
  }
  const names = new Set(c.extensions.map((e) => e.name));
  const missing = expected.extensions.filter((x) => !names.has(x.name));
  if (expected.extensions.length > 0) {
    out.push(
      missing.length > 0
        ? fail(
            'installer.extensions-expected',
            'error',
            `the installer lacks ${missing.map((m) => (m.input === m.name ? m.name : `${m.name} (${m.input})`)).join(', ')}: it carries ${[...names].join(', ') || 'no extensions'} (talos #12388). Pass each extension to the imager with --system-extension-image and rebuild`,
          )
        : pass(
            'installer.extensions-expected',
            `carries ${expected.extensions.map((x) => x.name).join(', ')}`,
          ),
    );
  }
  return out;
}

function moduleChecks(c: InstallerContents): Finding[] {
  const out: Finding[] = [];
  if (c.modules.length === 0) return out;
  if (c.kernel.certificates.length > 0) {
    const bad = c.modules.filter((m) => m.verdict !== 'verified');
    for (const m of bad) {
      out.push(
        fail(
          'installer.module-signature',
          'error',
          `${m.name} in ${m.extension} (${m.layer}:${m.path}): ${m.verdict}: ${m.reason}. The node refuses it; rebuild the module package and extension from the kernel build this installer boots (one make kernel <pkg> run)`,
          { path: `${c.kernelPath}:${m.layer}/${m.path}` },
        ),
      );
    }
    if (bad.length === 0) {
      out.push(
        pass(
          'installer.module-signature',
          `${count(c.modules.length, 'module')} in ${count(c.extensions.length, 'extension')} verified against the kernel's certificate`,
        ),
      );
    }
  }
  const wrong = c.modules.filter(
    (m) => c.release !== undefined && (m.dirRelease !== c.release || m.release !== c.release),
  );
  for (const m of wrong) {
    out.push(
      fail(
        'installer.module-release',
        'error',
        `${m.name} in ${m.extension} (${m.layer}:${m.path}) is for ${m.release ?? 'an unknown release'} (vermagic "${m.vermagic ?? ''}", directory ${m.dirRelease ?? '?'}), but the installer boots ${c.release ?? '?'}: the kernel refuses it. Rebuild the extension against this kernel`,
        { path: `${c.kernelPath}:${m.layer}/${m.path}` },
      ),
    );
  }
  if (wrong.length === 0 && c.release !== undefined) {
    out.push(pass('installer.module-release', `every extension module is for ${c.release}`));
  }
  const dep = c.modulesDep;
  if (!dep) {
    out.push(
      fail(
        'installer.modules-dep',
        'error',
        `the extensions carry modules but the initramfs has no usable modules.dep.sqsh${c.modulesDepProblems.length ? ` (${c.modulesDepProblems.join('; ')})` : ''}: modprobe on the node cannot find them. Rebuild the installer with the imager (it runs depmod)`,
        { path: c.kernelPath },
      ),
    );
    return out;
  }
  const gaps = checkModulesDep(
    dep,
    c.modules.map((m) => m.depPath ?? m.path),
  );
  const issues = [
    ...gaps.unlisted.map((p) => `${p} is not in modules.dep`),
    ...gaps.unresolved.map(
      (u) => `${u.module} depends on ${u.dependency}, which modules.dep does not list`,
    ),
  ];
  out.push(
    issues.length > 0
      ? fail(
          'installer.modules-dep',
          'error',
          `${listSome(issues, 4)}: modprobe on the node cannot load them. Rebuild the installer so depmod runs over the extensions' modules`,
          { path: c.kernelPath },
        )
      : pass(
          'installer.modules-dep',
          `modules.dep lists every extension module (${count(c.modules.length, 'module')}) and their dependencies resolve`,
        ),
  );
  return out;
}

/** Every content check of one architecture. */
export function checkInstallerContents(
  contents: InstallerContents,
  expected: InstallerExpectations,
): Finding[] {
  return [
    ...kernelChecks(contents, expected),
    ...extensionChecks(contents, expected),
    ...moduleChecks(contents),
  ];
}
