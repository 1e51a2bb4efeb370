/** What every check reads, and small helpers to make outcomes. */
import type { ImageKindResult } from '@talos-kmod/talos';
import type { CollectedTree } from '../collect';
import type { KernelReference } from '../kernel-reference';
import type { TrustedCertificates } from '../../trusted-certificates';
import type { ValidatedVerifyOptions } from '../../options';

/** The inputs of the checks for one platform of the image. */
export interface CheckContext {
  readonly options: ValidatedVerifyOptions;
  readonly tree: CollectedTree;
  readonly kind: ImageKindResult;
  /** `usr/lib/modules` or `lib/modules` (by Talos version), below `kind.root`. */
  readonly modulesRoot: string;
  /** `usr/lib/firmware` or `lib/firmware`, below `kind.root`. */
  readonly firmwareRoot: string;
  /** The kernel image's facts, when one was given. */
  readonly kernel?: KernelReference;
  /** The kernel release to match: the kernel image's, else the `kernel-release` input. */
  readonly referenceRelease?: string;
  /**
   * The certificates the node's kernel trusts, when a kernel is known (kernel-cert, the kernel
   * image's vmlinuz, or the image's own): modules were verified against them as they streamed by.
   */
  readonly trust?: TrustedCertificates;
}

/** `1,121`: digits grouped by thousands (by hand: the first toLocaleString loads ICU, ~8 ms). */
export function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `1 module` / `3 modules` / `1,121 modules`. */
export function count(n: number, what: string): string {
  return `${grouped(n)} ${what}${n === 1 ? '' : 's'}`;
}

/** Lists at most `max` items, then `and N more`. */
export function listSome(items: readonly string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
