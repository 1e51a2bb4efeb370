/**
 * The cache key of a build-kernel-pkg run: a hash of everything that decides its result — the git
 * tree ids (working tree, uncommitted edits included) of every folder the targets depend on
 * through `- stage:` lines (kernel, kernel-build, kernel-prepare, base, the packages), the
 * `Pkgfile`, root `vars.yaml` and `Makefile`, the targets, platforms, registry/username, make-args,
 * and the tag when it is given explicitly. A tag computed from git is left out on purpose: a new
 * commit that changes none of these inputs reuses the images already pushed under the earlier tag
 * (which are then the outputs, with that tag as `pkgs-tag`).
 */
import { createHash } from 'node:crypto';
import type { ExecFn } from '@talos-kmod/common';
import {
  stageClosure,
  workingTreeHashes,
  type MakeAssignment,
  type PkgsCheckout,
} from '@talos-kmod/talos';

/** The inputs of the key, for logs and debugging. */
export interface KernelPkgCacheInputs {
  readonly version: 1;
  readonly trees: Readonly<Record<string, string>>;
  readonly targets: readonly string[];
  readonly platforms: readonly string[];
  readonly prefix: string;
  readonly makeArgs: readonly string[];
  readonly tag: string;
}

/** Computes the key (`talos-kmod-build-kernel-pkg-<hash>`) and the inputs it hashes. */
export async function kernelPkgCacheKey(
  checkout: PkgsCheckout,
  targets: readonly string[],
  o: {
    platforms: readonly string[];
    prefix: string;
    makeArgs: readonly MakeAssignment[];
    explicitTag?: string;
  },
  exec: ExecFn,
): Promise<{ key: string; inputs: KernelPkgCacheInputs }> {
  const folders = new Set<string>();
  for (const t of targets) for (const e of stageClosure(checkout, t)) folders.add(e.folder);
  const paths = [...folders, 'Pkgfile', 'vars.yaml', 'Makefile'].sort();
  const trees = await workingTreeHashes(checkout.dir, paths, exec);
  const inputs: KernelPkgCacheInputs = {
    version: 1,
    trees,
    targets: [...targets],
    platforms: [...o.platforms],
    prefix: o.prefix,
    makeArgs: o.makeArgs.map((a) => `${a.name}=${a.value}`),
    tag: o.explicitTag ?? '(git describe)',
  };
  const hash = createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 40);
  return { key: `talos-kmod-build-kernel-pkg-${hash}`, inputs };
}
