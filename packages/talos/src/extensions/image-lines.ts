/**
 * The `- image:` lines through which an extension pulls packages built by pkgs:
 * `- image: "{{ .BUILD_ARG_PKGS_PREFIX }}/hailort-pkg:{{ .BUILD_ARG_PKGS }}"`
 * (siderolabs/extensions drivers/hailort/pkg.yaml), and the one-line text rewrite to a pinned
 * reference that the manual process does by hand, restored afterwards byte for byte.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { UserError } from '@talos-kmod/common';
import { parseScalar } from '../pkgfile/var-lines';
import { readPkgYamlImages, type PkgImageLine } from '../pkgs/pkg-yaml';

/** An image line that pulls a package from `PKGS_PREFIX` at tag `PKGS`. */
export interface PkgsImageLine extends PkgImageLine {
  /** The package (repository) name, e.g. `hailort-pkg` or `kernel`. */
  readonly pkg: string;
}

const pkgsImage =
  /^\{\{-?\s*\.BUILD_ARG_PKGS_PREFIX\s*-?\}\}\/([A-Za-z0-9][A-Za-z0-9._-]*):\{\{-?\s*\.BUILD_ARG_PKGS\s*-?\}\}$/;

/** The image lines of a pkg.yaml that pull from `PKGS_PREFIX`/`PKGS`. */
export function findPkgsImageLines(pkgYamlText: string): PkgsImageLine[] {
  const out: PkgsImageLine[] = [];
  for (const l of readPkgYamlImages(pkgYamlText)) {
    const m = pkgsImage.exec(l.image);
    if (m) out.push({ ...l, pkg: m[1] ?? '' });
  }
  return out;
}

/** The repository name of a reference: the last path segment without tag or digest. */
export function repositoryBaseName(ref: string): string {
  const noDigest = ref.split('@')[0] ?? ref;
  const lastSlash = noDigest.lastIndexOf('/');
  const last = noDigest.slice(lastSlash + 1);
  const colon = last.indexOf(':');
  return colon >= 0 ? last.slice(0, colon) : last;
}

/**
 * Rewrites the one image line that pulls `pkg` to `pinnedRef`, keeping indentation, quoting and
 * line endings; every other byte is unchanged. Fails when no line, or more than one, pulls `pkg`.
 */
export function pinPkgsImageLine(
  pkgYamlText: string,
  pkg: string,
  pinnedRef: string,
  fileForMessages = 'pkg.yaml',
): { text: string; line: number } {
  const lines = findPkgsImageLines(pkgYamlText);
  const matches = lines.filter((l) => l.pkg === pkg);
  if (matches.length !== 1) {
    const pulled = readPkgYamlImages(pkgYamlText).map((l) => l.image);
    throw new UserError(
      matches.length === 0
        ? `${fileForMessages} has no '- image: "{{ .BUILD_ARG_PKGS_PREFIX }}/${pkg}:{{ .BUILD_ARG_PKGS }}"' line to pin: ` +
            `it pulls ${pulled.length > 0 ? pulled.join(', ') : 'no images'}. ` +
            'Give the pkg-image of a package this extension uses, or use pkgs-prefix and pkgs-tag.'
        : `${fileForMessages} pulls ${pkg} on ${matches.length} lines (${matches.map((m) => m.line).join(', ')}): ` +
            'pin it by hand or use pkgs-prefix and pkgs-tag',
    );
  }
  const target = matches[0] as PkgsImageLine;
  const m = /^(\s*-\s+image:\s*)(.*)$/.exec(target.text);
  const head = m?.[1] ?? '';
  const rest = m?.[2] ?? '';
  const after = rest.slice(parseScalar(rest).rawValue.length);
  const q = target.quote === "'" ? "'" : '"';
  const newLine = `${head}${q}${pinnedRef}${q}${after}`;
  const parts = pkgYamlText.split(/(\r?\n)/);
  // parts alternates line, separator, line, …; line N (1-based) is parts[2 * (N - 1)].
  parts[2 * (target.line - 1)] = newLine;
  return { text: parts.join(''), line: target.line };
}

/**
 * Pins `pkg`'s image line in the pkg.yaml at `path` to `pinnedRef`, runs `fn`, and restores the
 * original bytes afterwards, also when `fn` throws. The restored file is read back and compared
 * byte for byte; a difference is an error that names the file.
 */
export async function withPinnedPkgsImage<T>(
  path: string,
  pkg: string,
  pinnedRef: string,
  fn: (info: { line: number; text: string }) => Promise<T>,
): Promise<T> {
  const original = await readFile(path);
  const pinned = pinPkgsImageLine(original.toString('utf8'), pkg, pinnedRef, path);
  await writeFile(path, pinned.text);
  let result: T;
  try {
    result = await fn(pinned);
  } finally {
    await writeFile(path, original);
    const back = await readFile(path);
    if (!back.equals(original)) {
      // eslint-disable-next-line no-unsafe-finally
      throw new UserError(
        `could not restore ${path} after pinning line ${pinned.line}: the file differs from its ` +
          'original bytes; check it with git diff and restore it with git checkout',
      );
    }
  }
  return result;
}
