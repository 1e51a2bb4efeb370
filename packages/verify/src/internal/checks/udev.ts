/**
 * udev rules: where they are and whether udevd can read every line. Talos's udevd reads system
 * rules from /usr/lib/udev/rules.d (the path extensions may use since Talos 1.9; before,
 * /usr/etc/udev/rules.d); /etc/udev in an extension is not allowed and never reaches the node.
 */
import { parseUdevRules, udevRulesDirFor, fail, withPass, type Finding } from '@talos-kmod/talos';
import { count, type CheckContext } from './context';

function locationOutcome(
  ctx: CheckContext,
  path: string,
  inner: string,
  rulesDir: string,
): Finding | undefined {
  if (inner.startsWith(`${rulesDir}/`) || inner.startsWith('usr/local/lib/udev/rules.d/'))
    return undefined;
  const name = inner.slice(inner.lastIndexOf('/') + 1);
  if (inner.startsWith('etc/udev/')) {
    return ctx.kind.kind === 'extension'
      ? fail(
          'udev.location',
          'error',
          `${path}: extensions may not carry /etc/udev, so Talos refuses this extension (and /etc is not where it reads extension rules). Install the file as /${rulesDir}/${name}: in the package's pkg.yaml copy it to /rootfs/${rulesDir}/ instead of /rootfs/etc/udev/rules.d/`,
          { path },
        )
      : fail(
          'udev.location',
          'warning',
          `${path}: rules under /etc/udev cannot go into an extension; the extension must install them as /${rulesDir}/${name}. Better: install them there in the package (cp … /rootfs/${rulesDir}/ in pkg.yaml)`,
          { path },
        );
  }
  return fail(
    'udev.location',
    ctx.kind.kind === 'extension' ? 'error' : 'warning',
    `${path}: Talos reads udev rules from /${rulesDir}, not from /${inner.slice(0, inner.lastIndexOf('/'))}: move the file to /${rulesDir}/${name}`,
    { path },
  );
}

/** Rule files are where Talos reads them and every line parses. */
export function checkUdev(ctx: CheckContext): Finding[] {
  const rulesDir = udevRulesDirFor(ctx.options.talosVersion).slice(1);
  const files = ctx.tree.udevRules.filter((r) => r.path.startsWith(ctx.kind.root));
  const out: Finding[] = [];
  let rules = 0;
  for (const file of files) {
    const inner = file.path.slice(ctx.kind.root.length);
    const location = locationOutcome(ctx, file.path, inner, rulesDir);
    if (location) out.push(location);
    const parsed = parseUdevRules(file.text);
    rules += parsed.rules.length;
    for (const d of parsed.diagnostics) {
      out.push(
        fail(
          d.severity === 'error' ? 'udev.syntax' : 'udev.lint',
          d.severity,
          `${file.path}:${d.line}: ${d.message}`,
          { path: file.path, line: d.line },
        ),
      );
    }
  }
  const where =
    files.length === 0
      ? 'no udev rules in the image'
      : `${count(files.length, 'rule file')} under /${rulesDir}`;
  return withPass(
    withPass(
      withPass(out, 'udev.location', where),
      'udev.syntax',
      files.length === 0
        ? 'no udev rules to parse'
        : `${count(rules, 'rule')} in ${count(files.length, 'file')} parse`,
    ),
    'udev.lint',
    'no udev warnings',
    'warning',
  );
}
