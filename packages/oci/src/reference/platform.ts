/** Platforms (`os/architecture[/variant]`) as image indexes and `--platform` flags spell them. */
import { InputError } from '@talos-kmod/common';

/** An image platform, as in an OCI index entry. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const part = /^[a-z0-9_.-]+$/;

/** Parses `linux/amd64` or `linux/arm64/v8`; throws an {@link InputError} naming the value. */
export function parsePlatform(s: string): Platform {
  const parts = s.trim().split('/');
  const [os, architecture, variant] = parts;
  if (
    parts.length < 2 ||
    parts.length > 3 ||
    !os ||
    !architecture ||
    !parts.every((p) => part.test(p))
  ) {
    throw new InputError(
      `invalid platform '${s}': expected os/architecture[/variant] in lower case, e.g. linux/amd64 or linux/arm64/v8`,
    );
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** `os/architecture[/variant]`. */
export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** Default variants: `arm64` means `v8` unless stated (containerd's platforms normalisation). */
function normalizedVariant(p: Platform): string | undefined {
  if (p.variant) return p.variant;
  if (p.architecture === 'arm64') return 'v8';
  return undefined;
}

/**
 * True when `candidate` (from an index) satisfies `wanted` (from the user). A wanted platform
 * without a variant matches any variant.
 */
export function platformMatches(wanted: Platform, candidate: Platform): boolean {
  if (wanted.os !== candidate.os || wanted.architecture !== candidate.architecture) return false;
  if (!wanted.variant) return true;
  return normalizedVariant(wanted) === normalizedVariant(candidate);
}
