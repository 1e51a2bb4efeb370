/**
 * The kernel release a module was built for: the first whitespace-separated token of its vermagic
 * (`6.12.31-talos SMP preempt mod_unload ` → `6.12.31-talos`). Empty for an empty vermagic.
 */
export function kernelReleaseOf(vermagic: string): string {
  return vermagic.trim().split(/\s+/)[0] ?? '';
}
