/**
 * Where a name goes in a list that upstream keeps "in alphabetical order" but not strictly
 * (siderolabs/extensions lists `gpio-pinctrl` before `glibc`): after the greatest existing name
 * that sorts before it, so a name lands next to its neighbours even in a slightly unsorted list.
 */

/** Index in `names` after which `name` goes, or -1 when every name sorts after it. */
export function insertAfterIndex(names: readonly string[], name: string): number {
  let best = -1;
  for (let i = 0; i < names.length; i++) {
    const n = names[i] ?? '';
    if (n < name && (best < 0 || n > (names[best] ?? ''))) best = i;
  }
  return best;
}
