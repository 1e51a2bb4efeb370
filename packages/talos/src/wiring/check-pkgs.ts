/**
 * The pkgs half of the wiring: `<name>-pkg` is defined and builds on `kernel-build`, is listed
 * after `kernel` in the Makefile's `TARGETS` and in `.kres.yaml`, and the `Pkgfile` has its
 * Renovate-annotated `<name>_version` (or `_ref`), `_sha256` and `_sha512`.
 */
import type { PkgsCheckout } from '../pkgs/checkout';
import { isModulePackage, kernelTarget } from '../pkgs/checkout';
import type { ModuleNames } from './names';
import type { Collector } from './collector';

/** The module's version in the pkgs `Pkgfile`: `<name>_version`, or a git `<name>_ref`. */
export interface PkgsVersion {
  readonly version?: string;
  readonly ref?: string;
}

/** Runs the pkgs checks; returns the module's pkgs version (or ref) when the Pkgfile has one. */
export function checkPkgsWiring(
  checkout: PkgsCheckout,
  names: ModuleNames,
  c: Collector,
): PkgsVersion {
  const pkg = names.packageName;
  const entry = checkout.packages.get(pkg);
  if (!entry) {
    c.gap({
      id: 'pkgs.package',
      repo: 'pkgs',
      file: `${names.module}/pkg.yaml`,
      message: `no pkg.yaml has 'name: ${pkg}': create ${names.module}/pkg.yaml for it (talos-kmod new-module writes one)`,
    });
  } else if (!isModulePackage(checkout, pkg)) {
    c.gap({
      id: 'pkgs.kernel-build',
      repo: 'pkgs',
      file: `${entry.folder}/pkg.yaml`,
      message: `${pkg} does not depend on the kernel-build stage: add '- stage: kernel-build' to its dependencies so its modules are built and signed with the kernel`,
    });
  } else {
    c.pass(`pkgs: ${pkg} is defined in ${entry.folder}/pkg.yaml and builds on kernel-build`);
  }

  const targets = checkout.makefile.targets;
  const kernelAt = targets.findIndex((t) => t.name === kernelTarget);
  const inMake = targets.find((t) => t.name === pkg);
  const inNonfree = checkout.makefile.nonfreeTargets.some((t) => t.name === pkg);
  if (!inMake && !inNonfree) {
    c.gap({
      id: 'pkgs.makefile-target',
      repo: 'pkgs',
      file: 'Makefile',
      ...(kernelAt >= 0 ? { line: targets[kernelAt]?.line } : {}),
      message: `'${pkg}' is not in TARGETS: add 'TARGETS += ${pkg}' after 'TARGETS += kernel', in alphabetical order among the module packages`,
    });
  } else if (inMake && kernelAt >= 0 && targets.indexOf(inMake) < kernelAt) {
    c.gap({
      id: 'pkgs.makefile-order',
      repo: 'pkgs',
      file: 'Makefile',
      line: inMake.line,
      message: `'${pkg}' is listed before 'kernel' in TARGETS: move it after 'TARGETS += kernel' (kernel first, then module packages)`,
    });
  } else {
    c.pass(`pkgs: ${pkg} is a Makefile target`);
  }

  if (checkout.kres) {
    const listed = [
      ...checkout.kres.targets,
      ...Object.values(checkout.kres.additionalTargets).flat(),
    ].some((t) => t.name === pkg);
    if (listed) c.pass(`pkgs: ${pkg} is in .kres.yaml`);
    else {
      const kernel = checkout.kres.targets.find((t) => t.name === kernelTarget);
      c.gap({
        id: 'pkgs.kres-target',
        repo: 'pkgs',
        file: '.kres.yaml',
        ...(kernel ? { line: kernel.line } : {}),
        message: `'${pkg}' is not in spec.targets: add '- ${pkg}' after '- kernel' (the Makefile is generated from this list)`,
      });
    }
  } else {
    c.skip('pkgs: no .kres.yaml in the checkout');
  }

  return checkPkgsVars(checkout, names, c);
}

function checkPkgsVars(checkout: PkgsCheckout, names: ModuleNames, c: Collector): PkgsVersion {
  const p = names.pkgsVarPrefix;
  const vars = new Map(checkout.pkgfile.vars.map((v) => [v.name, v]));
  const version = vars.get(`${p}_version`) ?? vars.get(`${p}_ref`);
  const after = checkout.pkgfile.varsSection?.lastLine;
  const where = (line: number | undefined) => (line ? { line } : {});
  if (!version) {
    c.gap({
      id: 'pkgs.pkgfile-version',
      repo: 'pkgs',
      file: 'Pkgfile',
      ...where(after),
      message: `vars has no ${p}_version: add a block '# renovate: datasource=… depName=OWNER/REPO' + '${p}_version: <version>' (with _sha256 and _sha512)`,
    });
  } else if (!version.renovate) {
    c.gap({
      id: 'pkgs.pkgfile-renovate',
      repo: 'pkgs',
      file: 'Pkgfile',
      line: version.line,
      message: `${version.name} has no Renovate comment: add '# renovate: datasource=github-releases depName=OWNER/REPO' on the line above its block`,
    });
  } else {
    c.pass(
      `pkgs: Pkgfile has ${version.name}: ${version.value} (renovate depName=${version.renovate.depName ?? '?'})`,
    );
  }
  for (const algo of ['sha256', 'sha512'] as const) {
    const name = `${p}_${algo}`;
    const v = vars.get(name);
    const len = algo === 'sha256' ? 64 : 128;
    if (!v) {
      c.gap({
        id: `pkgs.pkgfile-${algo}`,
        repo: 'pkgs',
        file: 'Pkgfile',
        ...where(version?.line ?? after),
        message: `vars has no ${name}: add '${name}: <${algo} of the source tarball>' to the ${p} block`,
      });
    } else if (!new RegExp(`^[0-9a-f]{${len}}$`).test(v.value)) {
      c.gap({
        id: `pkgs.pkgfile-${algo}`,
        repo: 'pkgs',
        file: 'Pkgfile',
        line: v.line,
        message: `${name} is not ${len} lowercase hex digits: set it to the ${algo} of the source tarball`,
      });
    } else {
      c.pass(`pkgs: Pkgfile has ${name}`);
    }
  }
  if (!version) return {};
  return version.name.endsWith('_version') ? { version: version.value } : { ref: version.value };
}
