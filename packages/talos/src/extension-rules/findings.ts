/**
 * The one finding type: what every Talos rule and every verify check returns (the verify report
 * adds the platform).
 */

/** How much a failure matters: `error` fails verification, `warning` only with fail-on warning. */
export type FindingSeverity = 'error' | 'warning' | 'info';

/** One outcome of a rule: a pass (one per rule that found nothing wrong) or a failure. */
export interface Finding {
  /** Stable id such as `extension.allowed-path`. */
  readonly id: string;
  readonly severity: FindingSeverity;
  readonly status: 'pass' | 'fail';
  /** What was found; for a failure also what to do about it. */
  readonly message: string;
  /** Image path (relative, no leading `/`) the finding is about. */
  readonly path?: string;
  /** 1-based line in `path`. */
  readonly line?: number;
}

/** A failure. */
export function fail(
  id: string,
  severity: FindingSeverity,
  message: string,
  where: { path?: string; line?: number } = {},
): Finding {
  return { id, severity, status: 'fail', message, ...where };
}

/** A pass. */
export function pass(id: string, message: string, severity: FindingSeverity = 'error'): Finding {
  return { id, severity, status: 'pass', message };
}

/** `findings` plus a pass for `id` when none of them is a failure of `id`. */
export function withPass(
  findings: Finding[],
  id: string,
  message: string,
  severity: FindingSeverity = 'error',
): Finding[] {
  return findings.some((f) => f.id === id && f.status === 'fail')
    ? findings
    : [...findings, pass(id, message, severity)];
}
