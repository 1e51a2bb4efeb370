/** One missing or wrong piece of a module's wiring, and the report `check-wiring` prints. */

/** A gap: which file to change and how. */
export interface WiringGap {
  /** Stable id, e.g. `pkgs.makefile-target`. */
  readonly id: string;
  readonly repo: 'pkgs' | 'extensions';
  /** File to change, relative to the checkout (`/`-separated). */
  readonly file: string;
  /** 1-based line, when the gap is on a line. */
  readonly line?: number;
  /** What is wrong and what to change, in one line. */
  readonly message: string;
}

/** What `check-wiring` found for one module. */
export interface WiringReport {
  readonly module: string;
  readonly packageName: string;
  readonly pkgsDir?: string;
  readonly extensionsDir?: string;
  readonly gaps: readonly WiringGap[];
  /** Checks that passed, one line each. */
  readonly passed: readonly string[];
  /** Checks that could not run and why (not gaps). */
  readonly skipped: readonly string[];
}

/** `repo/file:line: message`, the form each gap is printed in. */
export function formatGap(gap: WiringGap): string {
  return `${gap.repo}/${gap.file}${gap.line ? `:${gap.line}` : ''}: ${gap.message}`;
}
