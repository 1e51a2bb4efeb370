#!/usr/bin/env bash
# The refs the reusable workflow checks out: each given ref as is; otherwise, with a talos-version,
# the ones that pair with that release (the pkgs and extensions release-X.Y branches, the talos tag,
# as `talos-kmod refs` prints them); otherwise the defaults (default branches, talos main).
# In: TALOS_VERSION, PKGS_REF, EXTENSIONS_REF, TALOS_REF. Out ($GITHUB_OUTPUT): pkgs-ref,
# extensions-ref, talos-ref.
set -euo pipefail

branch='' tag=''
if [[ -n "${TALOS_VERSION:-}" ]]; then
  if [[ ! "$TALOS_VERSION" =~ ^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?)?$ ]]; then
    echo "::error::talos-version is '$TALOS_VERSION', not a Talos release: give a tag such as v1.11.5"
    exit 1
  fi
  branch="release-${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
  if [[ -n "${BASH_REMATCH[3]}" ]]; then tag="v${TALOS_VERSION#v}"; fi
fi

pkgs_ref=${PKGS_REF:-$branch}
extensions_ref=${EXTENSIONS_REF:-$branch}
talos_ref=${TALOS_REF:-${tag:-${branch:-main}}}
{
  echo "pkgs-ref=$pkgs_ref"
  echo "extensions-ref=$extensions_ref"
  echo "talos-ref=$talos_ref"
} >> "$GITHUB_OUTPUT"
echo "refs: pkgs ${pkgs_ref:-(default branch)}, extensions ${extensions_ref:-(default branch)}, talos $talos_ref"
