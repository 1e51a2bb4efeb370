/**
 * Extension version formats Sidero's extensions-validator accepts for `metadata.version`
 * (siderolabs/extensions-validator cmd/extensions-validator/cmd/validate.go).
 */

const prerelease = String.raw`(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?`;
const gitDescribe = String.raw`(-[0-9]+-g[0-9a-f]+(-dirty)?)?`;

/** The accepted formats, each with an example, in the validator's order. */
export const extensionVersionFormats: readonly {
  name: string;
  pattern: RegExp;
  example: string;
}[] = [
  {
    name: 'semver',
    pattern: new RegExp(String.raw`^v?[0-9]+\.[0-9]+\.[0-9]+${prerelease}$`),
    example: '4.24.0',
  },
  { name: 'date', pattern: /^[0-9]{8}(\.[0-9])?$/, example: '20250101' },
  {
    name: 'version-talos-tag',
    pattern: new RegExp(
      String.raw`^[0-9]+\.[0-9]+\.[0-9]+-v[0-9]+\.[0-9]+\.[0-9]+${prerelease}${gitDescribe}$`,
    ),
    example: '535.129.03-v1.11.0',
  },
  {
    name: 'commit-talos-tag',
    pattern: new RegExp(String.raw`^[0-9a-f]+-v[0-9]+\.[0-9]+\.[0-9]+${prerelease}${gitDescribe}$`),
    example: '5815ee3-v1.11.0',
  },
  { name: 'major-minor', pattern: /^v?[0-9]+\.[0-9]+$/, example: '4.3' },
];

/** The name of the format `version` matches, or undefined when it matches none. */
export function extensionVersionFormat(version: string): string | undefined {
  return extensionVersionFormats.find((f) => f.pattern.test(version))?.name;
}
