/** What every check reads, and small helpers to make outcomes. */
import type { ImageKindResult } from '@talos-kmod/talos';
import type { CollectedTree } from '../collect';
import type { KernelReference } from '../kernel-reference';
import type { TrustedCertificates } from '../../trusted-certificates';
import type { ValidatedVerifyOptions } from '../../options';
import type { Check, CheckSeverity } from '../../report';

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

/** A check outcome before the platform is added. */
export type Outcome = Omit<Check, 'platform'>;

/** A failure. */
export function failed(
  id: string,
  severity: CheckSeverity,
  message: string,
  where: { path?: string; line?: number } = {},
): Outcome {
  return { id, severity, status: 'fail', message, ...where };
}

/** A pass. */
export function passed(id: string, message: string, severity: CheckSeverity = 'error'): Outcome {
  return { id, severity, status: 'pass', message };
}

/** `outcomes` plus a pass for `id` when none of them fails `id`. */
export function orPass(
  outcomes: Outcome[],
  id: string,
  message: string,
  severity: CheckSeverity = 'error',
): Outcome[] {
  return outcomes.some((o) => o.id === id && o.status === 'fail')
    ? outcomes
    : [...outcomes, passed(id, message, severity)];
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
