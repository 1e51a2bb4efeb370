/**
 * The module package definition, `<name>/pkg.yaml` in pkgs, written like the upstream module
 * packages (siderolabs/pkgs hailort/pkg.yaml, tenstorrent/pkg.yaml): a scratch package built on
 * `base` and `kernel-build`, the source tarball checked by the `Pkgfile` checksums, Kbuild's
 * `modules_install` into `/rootfs/usr` (the kernel build signs the modules), udev rules under
 * `/usr/lib/udev/rules.d`, and the signature and FHS tests.
 */
import type { ModuleSpec } from './module-spec';

/** Choices that follow the checkout's branch. */
export interface PkgsFlavour {
  /**
   * The kernel is built with LLVM (the `Pkgfile` has `LLVM_IMAGE`, pkgs since 2026): module
   * packages then also depend on the LLVM image and build with `LLVM=1`.
   */
  readonly llvm: boolean;
}

/** The `env: ARCH:` line upstream module packages use (a Go template, not YAML until rendered). */
export const archEnvLine =
  'ARCH: {{ if eq .ARCH "aarch64"}}arm64{{ else if eq .ARCH "x86_64" }}x86_64{{ else }}unsupported{{ end }}';

const tarballSuffix = /\.(tar\.gz|tgz|tar\.xz|txz|tar\.bz2|tbz2|tar\.zst|tar)$/;

/** The file name the tarball is downloaded to (`<name>.tar.gz`, keeping other tar suffixes). */
export function sourceDestination(spec: Pick<ModuleSpec, 'name' | 'sourceUrl'>): string {
  const path = spec.sourceUrl.split('?')[0] ?? '';
  const m = tarballSuffix.exec(path);
  return `${spec.name}.${m?.[1] ?? 'tar.gz'}`;
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

const kernelRelease = '$(cat /src/include/config/kernel.release)';

/** Renders `<name>/pkg.yaml` for a pkgs checkout. */
export function renderModulePkgYaml(spec: ModuleSpec, flavour: PkgsFlavour): string {
  const v = spec.pkgsVarPrefix;
  const url = spec.sourceUrl.replaceAll('{version}', `{{ .${v}_version }}`);
  const dest = sourceDestination(spec);
  const firmwareDir = `/rootfs/usr/lib/firmware/${spec.firmwareDir}/`;
  const rulesDir = '/rootfs/usr/lib/udev/rules.d/';
  const dirs = [
    `/rootfs/usr/lib/modules/${kernelRelease}/`,
    ...(spec.firmware.length > 0 ? [firmwareDir] : []),
    ...(spec.udevRules.length > 0 ? [rulesDir] : []),
  ];
  const cd = spec.buildDir === '.' ? [] : [`cd ${spec.buildDir}`];
  const copies = [
    ...spec.firmware.map((f) => `cp ${f} ${firmwareDir}${basename(f)}`),
    ...spec.udevRules.map((r) => `cp ${r} ${rulesDir}${basename(r)}`),
  ];
  const install = [
    ...copies,
    ...cd,
    'make -j $(nproc) -C /src M=$(pwd) modules_install INSTALL_MOD_PATH=/rootfs/usr ' +
      `INSTALL_MOD_DIR=${spec.installDir} INSTALL_MOD_STRIP=1`,
  ];
  const script = (lines: readonly string[]) => ['      - |', ...lines.map((l) => `        ${l}`)];
  return [
    `name: ${spec.packageName}`,
    'variant: scratch',
    'shell: /bin/bash',
    'dependencies:',
    '  - stage: base',
    '  - stage: kernel-build',
    ...(flavour.llvm ? ['  - image: "{{ .LLVM_IMAGE }}:{{ .TOOLS_REV }}"'] : []),
    'steps:',
    '  - sources:',
    `      - url: ${url}`,
    `        destination: ${dest}`,
    `        sha256: "{{ .${v}_sha256 }}"`,
    `        sha512: "{{ .${v}_sha512 }}"`,
    '    env:',
    `      ${archEnvLine}`,
    ...(flavour.llvm ? ['      LLVM: 1'] : []),
    '    prepare:',
    ...script([`tar xf ${dest} --strip-components=1`]),
    ...script([`mkdir -p ${dirs.join(' ')}`]),
    '    build:',
    ...script([...cd, spec.buildCommand]),
    '    install:',
    ...script(install),
    '    test:',
    ...script([
      '# https://www.kernel.org/doc/html/v4.15/admin-guide/module-signing.html#signed-modules-and-stripping',
      "find /rootfs/usr/lib/modules -name '*.ko' -exec grep -FL '~Module signature appended~' {} \\+",
    ]),
    ...script(['fhs-validator /rootfs']),
    'finalize:',
    '  - from: /rootfs',
    '    to: /',
    '',
  ].join('\n');
}
