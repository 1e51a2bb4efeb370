/** Before make: the packages an extension pulls through PKGS_PREFIX must exist at PKGS. */
import { UserError } from '@talos-kmod/common';
import { imageIn, type Namespace, type RegistryClient } from '@talos-kmod/oci';
import { findPkgsImageLines } from '@talos-kmod/talos';

/** Checks that every package the extension pulls through PKGS_PREFIX exists at PKGS. */
export async function checkPulledPackages(
  client: RegistryClient,
  pkgYamlText: string,
  prefix: Namespace,
  pkgsTag: string,
  extension: string,
  except?: string,
): Promise<void> {
  const missing: string[] = [];
  for (const line of findPkgsImageLines(pkgYamlText)) {
    if (line.pkg === except) continue;
    const ref = imageIn(prefix, line.pkg, pkgsTag);
    if (!(await client.head(ref))) missing.push(ref.toString());
  }
  if (missing.length > 0) {
    throw new UserError(
      `extension '${extension}' pulls ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not in the registry: ` +
        `build ${missing.length === 1 ? 'it' : 'them'} with build-kernel-pkg (packages input) under the same tag, ` +
        'or check pkgs-prefix and pkgs-tag',
    );
  }
}
