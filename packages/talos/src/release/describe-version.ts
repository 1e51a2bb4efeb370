/**
 * `git describe --tag --always --dirty` strings as the kres Makefiles compute `TAG` and as talos
 * pins pkgs and tools (`v1.11.0-29-gaee690b`: 29 commits after v1.11.0, at commit aee690b).
 */

/** What a describe string says. */
export interface DescribedVersion {
  /** The nearest tag (`v1.11.0`); absent for a bare commit (a fork without tags). */
  readonly tag?: string;
  /** `major.minor` of `tag`, e.g. `1.11`. */
  readonly line?: string;
  /** Commits after `tag` (0 when on it). */
  readonly distance?: number;
  /** Abbreviated commit (`aee690b`), when the string names one. */
  readonly commit?: string;
  readonly dirty: boolean;
}

const withTag =
  /^(v(\d+)\.(\d+)(?:\.\d+)?(?:-[0-9A-Za-z.]+?)?)(?:-(\d+)-g([0-9a-f]{4,40}))?(-dirty)?$/;
const bare = /^([0-9a-f]{4,40})(-dirty)?$/;

/** Parses a describe string; `undefined` when it is neither `<tag>[-N-gSHA][-dirty]` nor a bare SHA. */
export function parseDescribe(text: string): DescribedVersion | undefined {
  const t = text.trim();
  const m = withTag.exec(t);
  if (m) {
    return {
      tag: m[1],
      line: `${m[2]}.${m[3]}`,
      distance: m[4] === undefined ? 0 : Number(m[4]),
      ...(m[5] ? { commit: m[5] } : {}),
      dirty: Boolean(m[6]),
    };
  }
  const b = bare.exec(t);
  if (b) return { commit: b[1], dirty: Boolean(b[2]) };
  return undefined;
}
