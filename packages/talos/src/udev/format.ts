/**
 * Substitutions in rule values (`$kernel`, `%k`, `$attr{…}`, `%c{2+}` …), checked the way systemd's
 * `udev_check_format` does: `$`/`%` must start a known substitution or be doubled.
 */

/** `$name` and `%c` forms, in systemd's lookup order (udev(7) "Substitutions"). */
const substitutions: readonly { name: string; char: string; kind?: 'attr' | 'env' | 'result' }[] = [
  { name: 'devnode', char: 'N' },
  { name: 'tempnode', char: 'N' },
  { name: 'attr', char: 's', kind: 'attr' },
  { name: 'sysfs', char: 's', kind: 'attr' },
  { name: 'env', char: 'E', kind: 'env' },
  { name: 'kernel', char: 'k' },
  { name: 'number', char: 'n' },
  { name: 'driver', char: 'd' },
  { name: 'devpath', char: 'p' },
  { name: 'id', char: 'b' },
  { name: 'major', char: 'M' },
  { name: 'minor', char: 'm' },
  { name: 'result', char: 'c', kind: 'result' },
  { name: 'parent', char: 'P' },
  { name: 'name', char: 'D' },
  { name: 'links', char: 'L' },
  { name: 'root', char: 'r' },
  { name: 'sys', char: 'S' },
];

/** The first problem in `value`'s substitutions: 1-based character and a hint; undefined if none. */
export function checkSubstitutions(value: string): { char: number; hint: string } | undefined {
  let i = 0;
  while (i < value.length) {
    const c = value.charAt(i);
    if (c !== '$' && c !== '%') {
      i++;
      continue;
    }
    const start = i;
    const next = value.charAt(i + 1);
    if (next === c) {
      i += 2;
      continue;
    }
    const entry =
      c === '$'
        ? substitutions.find((s) => value.startsWith(s.name, i + 1))
        : substitutions.find((s) => s.char === next);
    if (!entry)
      return {
        char: start + 1,
        hint: `invalid substitution type (write ${c}${c} for a literal ${c})`,
      };
    i += 1 + (c === '$' ? entry.name.length : 1);
    let attr = '';
    if (value.charAt(i) === '{') {
      const close = value.indexOf('}', i + 1);
      if (close < 0 || close === i + 1)
        return { char: start + 1, hint: 'invalid substitution type' };
      attr = value.slice(i + 1, close);
      i = close + 1;
    }
    if ((entry.kind === 'attr' || entry.kind === 'env') && attr === '') {
      return { char: i + 1, hint: 'attribute value missing' };
    }
    if (entry.kind === 'result' && attr !== '' && !/^[0-9]+\+?$/.test(attr)) {
      return { char: i + 1, hint: 'attribute value not a valid number' };
    }
  }
  return undefined;
}
