/**
 * The extension folder `drivers/<name>/` in extensions, written like upstream's module extensions
 * (siderolabs/extensions drivers/hailort/, drivers/tenstorrent/): `pkg.yaml` copies the module
 * package's files into `/rootfs`, `vars.yaml` sets `VERSION` from the `Pkgfile` twin version,
 * the manifest carries name, version, author, description and Talos compatibility.
 *
 * Two manifest styles exist. Newer branches render `manifest.yaml.tmpl` with bldr (`{{ .VERSION }}`,
 * `[{{ .TIER }}]` before the description); older ones (release-1.10 and before) ship
 * `manifest.yaml` with a `$VERSION` placeholder that a `prepare` step replaces with `sed`.
 */
import type { ModuleSpec } from './module-spec';
import { yamlQuoted, yamlScalar } from './yaml-scalar';

/** Which manifest form the extensions branch uses. */
export type ManifestStyle = 'template' | 'plain';

/** The manifest's file name for a style. */
export function manifestFileName(style: ManifestStyle): 'manifest.yaml.tmpl' | 'manifest.yaml' {
  return style === 'template' ? 'manifest.yaml.tmpl' : 'manifest.yaml';
}

/** Folder of the extension inside an extensions checkout. */
export function extensionFolder(spec: Pick<ModuleSpec, 'name'>): string {
  return `drivers/${spec.name}`;
}

function paths(spec: ModuleSpec): string[] {
  return [
    '/usr/lib/modules',
    ...(spec.firmware.length > 0 ? [`/usr/lib/firmware/${spec.firmwareDir}`] : []),
    ...(spec.udevRules.length > 0 ? ['/usr/lib/udev/rules.d'] : []),
  ];
}

/** Renders `drivers/<name>/pkg.yaml`. */
export function renderExtensionPkgYaml(spec: ModuleSpec, style: ManifestStyle): string {
  const dirs = paths(spec);
  return [
    `name: ${spec.name}`,
    'variant: scratch',
    'shell: /bin/bash',
    'dependencies:',
    '  - stage: base',
    '  # The pkgs version for a particular release of Talos as defined in',
    '  # https://github.com/siderolabs/talos/blob/<talos version>/pkg/machinery/gendata/data/pkgs',
    `  - image: "{{ .BUILD_ARG_PKGS_PREFIX }}/${spec.packageName}:{{ .BUILD_ARG_PKGS }}"`,
    'steps:',
    ...(style === 'plain'
      ? [
          '  - prepare:',
          '      - |',
          "        sed -i 's#$VERSION#{{ .VERSION }}#' /pkg/manifest.yaml",
        ]
      : []),
    '  - install:',
    '      - |',
    ...dirs.map((d) => `        mkdir -p /rootfs${d}/`),
    '',
    '      - |',
    ...dirs.map((d) => `        cp -R ${d}/* /rootfs${d}/`),
    '    test:',
    '      - |',
    '        mkdir -p /extensions-validator-rootfs',
    '        cp -r /rootfs/ /extensions-validator-rootfs/rootfs',
    '        cp /pkg/manifest.yaml /extensions-validator-rootfs/manifest.yaml',
    '        /extensions-validator validate --rootfs=/extensions-validator-rootfs --pkg-name="${PKG_NAME}"',
    'finalize:',
    '  - from: /rootfs',
    '    to: /rootfs',
    '  - from: /pkg/manifest.yaml',
    '    to: /',
    '',
  ].join('\n');
}

/** Renders `drivers/<name>/vars.yaml`: `VERSION` from the `Pkgfile` twin version (and `TIER`). */
export function renderExtensionVarsYaml(spec: ModuleSpec, style: ManifestStyle): string {
  return [
    '# update when pkgs version is updated',
    `VERSION: "{{ .${spec.extensionsVersionVar} }}"`,
    ...(style === 'template' ? [`TIER: ${yamlQuoted(spec.tier)}`] : []),
    '',
  ].join('\n');
}

/** Renders the manifest (`manifest.yaml.tmpl` or `manifest.yaml`, per `style`). */
export function renderExtensionManifest(spec: ModuleSpec, style: ManifestStyle): string {
  const description = spec.description.split(/\r?\n/);
  if (style === 'template') description[0] = `[{{ .TIER }}] ${description[0] ?? ''}`;
  return [
    'version: v1alpha1',
    'metadata:',
    `  name: ${spec.name}`,
    `  version: ${style === 'template' ? '"{{ .VERSION }}"' : '"$VERSION"'}`,
    `  author: ${yamlScalar(spec.author)}`,
    '  description: |',
    ...description.map((l) => (l.trim() === '' ? '' : `    ${l.trimEnd()}`)),
    '  compatibility:',
    '    talos:',
    `      version: ${yamlQuoted(spec.talosVersion)}`,
    '',
  ].join('\n');
}

/** Renders `drivers/<name>/README.md`. */
export function renderExtensionReadme(spec: ModuleSpec): string {
  const modulesDir = `/usr/lib/modules/<kernel release>/${spec.installDir}`;
  return [
    `# ${spec.name} extension`,
    '',
    ...spec.description.split(/\r?\n/).map((l) => l.trimEnd()),
    '',
    `The kernel modules come from the \`${spec.packageName}\` package of siderolabs/pkgs, built from`,
    `[${spec.renovate.depName}](https://github.com/${spec.renovate.depName}) together with the Talos`,
    'kernel, so they are signed with the same build key.',
    '',
    '## Installation',
    '',
    'See [Installing Extensions](https://github.com/siderolabs/extensions#installing-extensions).',
    '',
    '## Usage',
    '',
    `Load the module at boot; \`MODULE\` is the name of a \`.ko\` file under \`${modulesDir}\`:`,
    '',
    '```yaml',
    'machine:',
    '  kernel:',
    '    modules:',
    '      - name: MODULE',
    '```',
    '',
    '## Verifying',
    '',
    'The module shows as `Live` in `/proc/modules`:',
    '',
    '```bash',
    'talosctl read /proc/modules',
    '```',
    '',
    `Its files are under \`${modulesDir}\`${spec.udevRules.length > 0 ? ' and `/usr/lib/udev/rules.d`' : ''}:`,
    '',
    '```bash',
    'talosctl ls -r /usr/lib/modules',
    ...(spec.udevRules.length > 0 ? ['talosctl ls /usr/lib/udev/rules.d'] : []),
    '```',
    '',
  ].join('\n');
}
