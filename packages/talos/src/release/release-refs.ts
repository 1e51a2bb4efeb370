/**
 * The refs that belong to one Talos release, read the way upstream pins them: siderolabs/talos
 * keeps the pkgs and tools image tags it was built with in `pkg/machinery/gendata/data/pkgs` and
 * `…/tools` (`…/extras` before v1.10), which the talos Makefile reads as `PKGS ?=` / `TOOLS ?=`;
 * both are `git describe` strings of a pkgs / tools commit. siderolabs/extensions is branched and
 * tagged with the Talos release itself (`release-1.11`, `v1.11.5`), and its Makefile pins the same
 * `PKGS`.
 */
import { InputError } from '@talos-kmod/common';
import { parseDescribe } from './describe-version';
import type { TalosRelease } from './talos-release';

/** Where talos keeps the pins, relative to a checkout. */
export const gendataDir = 'pkg/machinery/gendata/data';

/** One pinned repository: the image tag upstream builds with, the commit, and the branch. */
export interface PinnedRepo {
  /** The image tag talos pins (`PKGS`, `TOOLS`), e.g. `v1.11.0-29-gaee690b`. */
  readonly tag: string;
  /** The commit to check out (`aee690b`), or the tag itself when it names no commit. */
  readonly ref: string;
  /** The release branch the commit is on (`release-1.11`). */
  readonly branch: string;
}

/** The refs of one Talos release. */
export interface ReleaseRefs {
  /** The Talos tag (`v1.11.5`). */
  readonly talos: string;
  readonly pkgs: PinnedRepo;
  readonly tools?: PinnedRepo;
  /** siderolabs/extensions: the release tag and branch (`v1.11.5`, `release-1.11`). */
  readonly extensions: { readonly tag: string; readonly branch: string };
  /** The talos file(s) the pins were read from, for messages (`…@v1.11.5:pkg/machinery/…/pkgs`). */
  readonly source: string;
}

/** The gendata files a release's pins come from (`tools`, or `extras` before v1.10). */
export interface GendataFiles {
  readonly pkgs: string;
  readonly tools?: string;
  readonly extras?: string;
}

function pinned(what: string, text: string, branch: string, source: string): PinnedRepo {
  const tag = text.trim();
  const d = parseDescribe(tag);
  if (!d || tag.includes('\n')) {
    throw new InputError(
      `${source} holds '${tag.slice(0, 80)}', not a ${what} tag (git describe form such as v1.11.0-29-gaee690b): is it a siderolabs/talos checkout?`,
    );
  }
  return { tag, ref: d.distance === 0 || !d.commit ? (d.tag ?? tag) : d.commit, branch };
}

/** The refs of `release` from the contents of its gendata files. */
export function releaseRefsFromGendata(
  release: TalosRelease,
  files: GendataFiles,
  source: string,
): ReleaseRefs {
  const tools = files.tools ?? files.extras;
  return {
    talos: release.tag,
    pkgs: pinned('pkgs', files.pkgs, release.branch, `${source}:${gendataDir}/pkgs`),
    ...(tools !== undefined
      ? {
          tools: pinned(
            'tools',
            tools,
            release.branch,
            `${source}:${gendataDir}/${files.tools !== undefined ? 'tools' : 'extras'}`,
          ),
        }
      : {}),
    extensions: { tag: release.tag, branch: release.branch },
    source: `${source}:${gendataDir}`,
  };
}

/** The refs as `name  value` lines, as `talos-kmod refs` prints them. */
export function formatReleaseRefs(refs: ReleaseRefs): string {
  const rows: [string, string][] = [
    ['talos', `${refs.talos}`],
    ['pkgs', `${refs.pkgs.ref} (PKGS=${refs.pkgs.tag}, branch ${refs.pkgs.branch})`],
  ];
  if (refs.tools) {
    rows.push([
      'tools',
      `${refs.tools.ref} (TOOLS=${refs.tools.tag}, branch ${refs.tools.branch})`,
    ]);
  }
  rows.push(['extensions', `${refs.extensions.branch} (tag ${refs.extensions.tag})`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return [...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`), `read from ${refs.source}`].join(
    '\n',
  );
}
