/**
 * What a kernel image tells about the node: its release (the one directory under
 * `usr/lib/modules`), the signer and key id of its in-tree modules (one kernel build signs all
 * of them with one throw-away key), and the names of its modules for dependency checks.
 */
import { isModuleFile, kernelReleaseDirs } from '@talos-kmod/talos';
import { collectTree } from './collect';
import type { FileTree } from '@talos-kmod/oci';
import type { TrustedCertificates } from '../trusted-certificates';

/** One signing identity and how many in-tree modules carry it. */
export interface KernelKey {
  readonly signer: string;
  readonly keyId: string;
  readonly hashAlgo?: string;
  readonly count: number;
  /** One module signed with it. */
  readonly example: string;
}

/** The kernel image's facts. */
export interface KernelReference {
  readonly description: string;
  /** Where its modules are (`usr/lib/modules` or, for older kernels, `lib/modules`). */
  readonly modulesRoot: string;
  readonly releaseDirs: readonly string[];
  /** The release when there is exactly one directory. */
  readonly release?: string;
  /** Signing identities of the in-tree modules, most used first. */
  readonly keys: readonly KernelKey[];
  readonly moduleCount: number;
  readonly unsignedCount: number;
  readonly moduleNames: ReadonlySet<string>;
  /** The certificates of its `boot/vmlinuz`, when it has one and a kernel reader was given. */
  readonly trust?: TrustedCertificates;
}

const inModules = /^(usr\/)?lib\/modules\/[^/]+\//;

/** Reads the kernel image `tree`: its modules, and its `boot/vmlinuz` with `readKernel`. */
export async function readKernelReference(
  tree: FileTree,
  readKernel?: (bytes: Uint8Array, path: string) => Promise<TrustedCertificates>,
): Promise<KernelReference> {
  const collected = await collectTree(tree, {
    readTexts: false,
    readModule: (p) => inModules.test(p) && isModuleFile(p),
    ...(readKernel ? { readKernel } : {}),
  });
  const usr = kernelReleaseDirs(collected.entries, 'usr/lib/modules');
  const modulesRoot = usr.length > 0 ? 'usr/lib/modules' : 'lib/modules';
  const releaseDirs = usr.length > 0 ? usr : kernelReleaseDirs(collected.entries, 'lib/modules');
  const keys = new Map<
    string,
    { signer: string; keyId: string; hashAlgo?: string; count: number; example: string }
  >();
  let unsigned = 0;
  for (const m of collected.modules) {
    if (!m.signed || m.keyId === undefined) {
      unsigned++;
      continue;
    }
    const k = `${m.signer ?? ''}\u0000${m.keyId}`;
    const entry = keys.get(k);
    if (entry) entry.count++;
    else {
      keys.set(k, {
        signer: m.signer ?? '',
        keyId: m.keyId,
        ...(m.hashAlgo !== undefined ? { hashAlgo: m.hashAlgo } : {}),
        count: 1,
        example: m.path,
      });
    }
  }
  return {
    description: tree.description,
    modulesRoot,
    releaseDirs,
    ...(releaseDirs.length === 1 ? { release: releaseDirs[0] } : {}),
    keys: [...keys.values()].sort((a, b) => b.count - a.count),
    moduleCount: collected.modules.length,
    unsignedCount: unsigned,
    moduleNames: new Set(collected.modules.map((m) => m.name)),
    ...(collected.kernel ? { trust: collected.kernel } : {}),
  };
}
