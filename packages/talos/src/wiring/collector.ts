/** Collects gaps, passes and skipped checks while the wiring checks run. */
import type { WiringGap } from './gap';

/** Mutable lists the checks append to. */
export interface Collector {
  readonly gaps: WiringGap[];
  readonly passed: string[];
  readonly skipped: string[];
  gap(g: WiringGap): void;
  pass(message: string): void;
  skip(message: string): void;
}

/** A new, empty collector. */
export function createCollector(): Collector {
  const c: Collector = {
    gaps: [],
    passed: [],
    skipped: [],
    gap: (g) => void c.gaps.push(g),
    pass: (m) => void c.passed.push(m),
    skip: (m) => void c.skipped.push(m),
  };
  return c;
}
