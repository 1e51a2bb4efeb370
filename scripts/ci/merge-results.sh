#!/usr/bin/env bash
# The merge job of the reusable workflow kmod-pipeline.yml. Each per-platform leg leaves a small
# JSON result (an artifact) with the pinned images it pushed:
#
#   kernel-<arch>.json              {platform, index-tag, pkgs-prefix, kernel-image, pkg-images}
#   extension-<arch>-<name>.json    {platform, extension, extension-name, extension-image}
#   installer-<arch>.json           {platform, installer-image, imager-image, installer-base-image}
#
# `merge-results.sh indexes` (RESULTS_DIR, INSTALLER_REF) writes the create-index input: one index
# per image, destination → the platforms' pinned images (kernel and packages under
# <pkgs-prefix>/<name>:<pkgs tag>, each extension under its own tag, the installer under
# installer-ref), and `names`, which destination is which. A platform whose leg failed simply has
# no result; create-index then fails naming it.
# `merge-results.sh outputs` (INDEXES: create-index's output, NAMES) writes the workflow outputs.
set -euo pipefail

fail() {
  echo "::error::$*"
  exit 1
}
out=${GITHUB_OUTPUT:-/dev/stdout}

case ${1:-} in
indexes)
  dir=${RESULTS_DIR:?RESULTS_DIR holds the legs\' results}
  read_all() { find "$dir" -maxdepth 1 -name "$1" -type f -print0 | sort -z | xargs -0 -r cat | jq -cs .; }
  kernels=$(read_all 'kernel-*.json')
  extensions=$(read_all 'extension-*.json')
  installers=$(read_all 'installer-*.json')
  [ "$(jq length <<<"$kernels")" -gt 0 ] ||
    fail "no platform produced a kernel image (${PLATFORMS:-}): every kernel-pkg leg failed or did not run; see those jobs"
  [ "$(jq length <<<"$extensions")" -gt 0 ] ||
    fail "no platform produced an extension image (${PLATFORMS:-}): every extension leg failed or did not run; see those jobs"
  [ "$(jq length <<<"$installers")" -gt 0 ] ||
    fail "no platform produced an installer (${PLATFORMS:-}): every installer leg failed or did not run; see those jobs"
  names=$(jq -cn --argjson k "$kernels" --argjson e "$extensions" --arg installer "${INSTALLER_REF:?}" '
    def unpinned: sub("@sha256:[0-9a-f]{64}$"; "");
    ($k[0]) as $first | {
      kernel: "\($first."pkgs-prefix")/kernel:\($first."index-tag")",
      packages: ([$k[] | ."pkg-images" | keys[]] | unique
        | map({key: ., value: "\($first."pkgs-prefix")/\(.):\($first."index-tag")"}) | from_entries),
      extensions: ([$e[] | {key: .extension, value: (."extension-image" | unpinned)}] | from_entries),
      installer: $installer
    }')
  indexes=$(jq -cn --argjson k "$kernels" --argjson e "$extensions" --argjson i "$installers" \
    --argjson names "$names" '
    {($names.kernel): [$k[] | ."kernel-image"]}
    + ($names.packages | with_entries(.key as $pkg | {key: .value, value: [$k[] | ."pkg-images"[$pkg] | select(. != null)]}))
    + ($names.extensions | with_entries(.key as $ext | {key: .value, value: [$e[] | select(.extension == $ext) | ."extension-image"]}))
    + {($names.installer): [$i[] | ."installer-image"]}')
  echo "indexes=$indexes" >>"$out"
  echo "names=$names" >>"$out"
  ;;
outputs)
  jq -e . <<<"${INDEXES:-}" >/dev/null 2>&1 || fail "INDEXES is not the create-index output: '${INDEXES:-}'"
  jq -cn --argjson idx "$INDEXES" --argjson names "${NAMES:?}" -r '
    "kernel-image=\($idx[$names.kernel])",
    "pkg-images=\($names.packages | map_values($idx[.]) | tojson)",
    "extension-images=\($names.extensions | map_values($idx[.]) | tojson)",
    "extension-image=\([$names.extensions[] | $idx[.]] | first // "")",
    "extension-list=\([$names.extensions[] | $idx[.]] | join(","))",
    "installer-image=\($idx[$names.installer])"' >>"$out"
  ;;
*)
  fail "usage: merge-results.sh indexes|outputs"
  ;;
esac
