/**
 * `manifest.yaml` checks: Talos's own (`version: v1alpha1`, the compatibility constraint parsed and
 * satisfied by the Talos version) and Sidero's extensions-validator's (`metadata.name` equals the
 * package name, `metadata.version` in an accepted format).
 */
import { fail, pass, withPass, type Finding } from './findings';
import { parseExtensionManifest, type ExtensionManifest } from './manifest';
import { coreVersion, formatVersion, type TalosVersion } from './talos-version';
import { extensionVersionFormat, extensionVersionFormats } from './version-formats';
import { parseVersionRange, satisfiesRange } from './version-range';

/** What the manifest is checked against. */
export interface ManifestCheckOptions {
  /** The name the extension must carry (Sidero's validator `--pkg-name`). */
  readonly extensionName?: string;
  /** The Talos version the extension will be installed on. */
  readonly talosVersion?: TalosVersion;
}

/** What {@link validateExtensionManifest} found, and the manifest when it decoded. */
export interface ManifestCheck {
  readonly findings: Finding[];
  readonly manifest?: ExtensionManifest;
}

const path = 'manifest.yaml';

function checkMetadata(m: ExtensionManifest): Finding[] {
  const id = 'extension.metadata';
  const findings: Finding[] = [];
  for (const field of ['name', 'version'] as const) {
    if (m.metadata[field] === '') {
      findings.push(
        fail(
          id,
          'error',
          `metadata.${field} is empty: set it in manifest.yaml (the Image Factory and Sidero's validator need it)`,
          { path },
        ),
      );
    }
  }
  for (const field of ['author', 'description'] as const) {
    if (m.metadata[field] === '') {
      findings.push(
        fail(
          id,
          'warning',
          `metadata.${field} is empty: set it in manifest.yaml so users see who made the extension and what it does`,
          { path },
        ),
      );
    }
  }
  return withPass(findings, id, `metadata: ${m.metadata.name} ${m.metadata.version}`);
}

function checkVersionFormat(m: ExtensionManifest): Finding[] {
  const id = 'extension.version-format';
  const version = m.metadata.version;
  if (version === '') return [];
  const format = extensionVersionFormat(version);
  if (format) return [pass(id, `metadata.version ${version} has the ${format} format`)];
  const examples = extensionVersionFormats.map((f) => f.example).join(', ');
  return [
    fail(
      id,
      'error',
      `invalid version format ${version} for extension ${m.metadata.name}: Sidero's extensions-validator accepts versions like ${examples} (optionally with a v prefix or a -prerelease)`,
      { path },
    ),
  ];
}

function checkName(m: ExtensionManifest, expected: string | undefined): Finding[] {
  const id = 'extension.name';
  if (expected === undefined) return [];
  if (m.metadata.name === expected) return [pass(id, `metadata.name is ${expected}`)];
  return [
    fail(
      id,
      'error',
      `pkg name does not match extension name: ${expected} != ${m.metadata.name}. Set metadata.name to ${expected} in manifest.yaml, or pass the extension's real name`,
      { path },
    ),
  ];
}

function checkCompatibility(m: ExtensionManifest, talos: TalosVersion | undefined): Finding[] {
  const id = 'extension.compatibility';
  const constraint = m.metadata.compatibility.talos.version;
  if (constraint === '') {
    return [
      pass(
        id,
        'no compatibility.talos.version constraint: Talos accepts the extension on any version',
      ),
    ];
  }
  const parsed = parseVersionRange(constraint);
  if (!parsed.ok) {
    return [
      fail(
        id,
        'error',
        `error parsing Talos version constraint "${constraint}": ${parsed.error}. Write it as Talos expects, e.g. ">= v1.9.0" or ">= v1.9.0 < v1.11.0" (full MAJOR.MINOR.PATCH, no ^ or ~)`,
        { path },
      ),
    ];
  }
  if (!talos) {
    return [
      pass(id, `constraint "${constraint}" parses; pass talos-version to check it is satisfied`),
    ];
  }
  const core = coreVersion(talos);
  if (satisfiesRange(parsed.range, core)) {
    return [pass(id, `Talos ${formatVersion(talos)} satisfies "${constraint}"`)];
  }
  return [
    fail(
      id,
      'error',
      `version constraint ${constraint} can't be satisfied with Talos version ${formatVersion(talos)}: the imager and the node refuse this extension. Build the extension for this Talos release, or widen compatibility.talos.version if it really works there`,
      { path },
    ),
  ];
}

/** Decodes and checks `manifestText`. */
export function validateExtensionManifest(
  manifestText: string,
  options: ManifestCheckOptions = {},
): ManifestCheck {
  const parsed = parseExtensionManifest(manifestText);
  if (!parsed.ok) {
    return {
      findings: [
        fail('extension.manifest', 'error', `${parsed.error}: fix manifest.yaml`, { path }),
      ],
    };
  }
  const m = parsed.manifest;
  if (m.version !== 'v1alpha1') {
    return {
      manifest: m,
      findings: [
        pass('extension.manifest', 'manifest.yaml decodes'),
        fail(
          'extension.manifest-version',
          'error',
          `unsupported manifest version: "${m.version}": manifest.yaml must start with 'version: v1alpha1'`,
          { path },
        ),
      ],
    };
  }
  return {
    manifest: m,
    findings: [
      pass('extension.manifest', 'manifest.yaml decodes'),
      pass('extension.manifest-version', 'manifest version is v1alpha1'),
      ...checkMetadata(m),
      ...checkVersionFormat(m),
      ...checkName(m, options.extensionName),
      ...checkCompatibility(m, options.talosVersion),
    ],
  };
}
