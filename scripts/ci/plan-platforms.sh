#!/usr/bin/env bash
# The plan job of the reusable workflow kmod-pipeline.yml: turns its inputs into the matrix legs
# of the per-platform jobs (one per platform, each on a native runner) and checks them before any
# runner starts. Reads the inputs from the environment and writes step outputs:
#
#   legs             [{platform, arch, runs-on, installer-ref}]   one per platform
#   extension-legs   [{platform, arch, runs-on, extension}]       one per platform and extension
#   platforms        linux/amd64,linux/arm64                       what every index must hold
#   runs-on          JSON runs-on value for the jobs that run once (merge, verify)
#   installer-ref    where the multi-platform installer index goes
#
# runs-on: a label, or JSON (a list of labels, or {"group": …, "labels": …}); when set, every job
# runs there. Otherwise each platform runs on its entry in PLATFORM_RUNNERS (default: GitHub's
# native ubuntu-24.04 for amd64 and ubuntu-24.04-arm for arm64), and the other jobs on
# ubuntu-24.04.
set -euo pipefail

fail() {
  echo "::error::$*"
  exit 1
}

platforms=$(jq -ce 'if type == "array" and length > 0 and all(.[]; type == "string") then . else error("") end' \
  <<<"${PLATFORMS:-}" 2>/dev/null) ||
  fail "input platforms is '${PLATFORMS:-}': give a JSON list such as [\"linux/amd64\",\"linux/arm64\"]"
for p in $(jq -r '.[]' <<<"$platforms"); do
  case $p in
  linux/amd64 | linux/arm64) ;;
  *) fail "platform '$p' is not one Talos is built for: use linux/amd64 and/or linux/arm64" ;;
  esac
done
[ "$(jq 'length == (unique | length)' <<<"$platforms")" = true ] ||
  fail "input platforms '$PLATFORMS' names a platform twice: name each once"

runs_on=null
if [ -n "${RUNS_ON:-}" ]; then
  case $RUNS_ON in
  '['* | '{'*)
    runs_on=$(jq -ce . <<<"$RUNS_ON" 2>/dev/null) ||
      fail "input runs-on '$RUNS_ON' starts like JSON but is not: give a label, a JSON list of labels, or {\"group\": \"…\"}"
    ;;
  *) runs_on=$(jq -cn --arg v "$RUNS_ON" '$v') ;;
  esac
fi
runners=$(jq -ce 'if type == "object" then . else error("") end' <<<"${PLATFORM_RUNNERS:-}" 2>/dev/null) ||
  fail "input platform-runners is '${PLATFORM_RUNNERS:-}': give a JSON object such as {\"linux/amd64\": \"ubuntu-24.04\", \"linux/arm64\": \"ubuntu-24.04-arm\"}"

installer_ref=${INSTALLER_REF:-}
[ -n "$installer_ref" ] || installer_ref="ttl.sh/$(cat /proc/sys/kernel/random/uuid):1h"
case $installer_ref in *@*) fail "input installer-ref '$installer_ref' has a digest: give repository:tag" ;; esac
name=$installer_ref tag=latest
last=${installer_ref##*/}
if [ "$last" != "${last%:*}" ]; then
  name=${installer_ref%:*}
  tag=${last##*:}
fi
host=${installer_ref%%/*}

legs=$(jq -cn --argjson platforms "$platforms" --argjson runners "$runners" --argjson all "$runs_on" \
  --arg name "$name" --arg tag "$tag" --arg host "$host" '
  [$platforms[] | (split("/")[1]) as $arch | {
    platform: .,
    arch: $arch,
    "runs-on": ($all // $runners[.]),
    # each platform pushes its installer by itself; the merge job joins them under installer-ref
    # (ttl.sh reads the tag as the lifetime, so there the repository takes the suffix instead)
    "installer-ref": (if $host == "ttl.sh" then "\($name)-\($arch):\($tag)" else "\($name):\($tag)-\($arch)" end)
  }]')
missing=$(jq -r '[.[] | select(."runs-on" == null) | .platform] | join(", ")' <<<"$legs")
[ -z "$missing" ] ||
  fail "no runner for $missing: add it to input platform-runners (e.g. {\"linux/arm64\": \"ubuntu-24.04-arm\"}) or set runs-on"

extensions=$(printf '%s\n' "${EXTENSIONS:-}" | tr ',' '\n' | sed 's/#.*//; s/^[[:space:]]*//; s/[[:space:]]*$//' |
  jq -Rsc 'split("\n") | map(select(. != "")) | unique')
[ "$(jq length <<<"$extensions")" -gt 0 ] || fail "input extension is empty: name the extension(s) to build, one per line"
extension_legs=$(jq -cn --argjson legs "$legs" --argjson extensions "$extensions" '
  [$legs[] as $leg | $extensions[] | ($leg | del(."installer-ref")) + {extension: .}]')

{
  echo "legs=$legs"
  echo "extension-legs=$extension_legs"
  echo "platforms=$(jq -r 'join(",")' <<<"$platforms")"
  echo "runs-on=$(jq -cn --argjson all "$runs_on" '$all // "ubuntu-24.04"')"
  echo "installer-ref=$installer_ref"
} >>"${GITHUB_OUTPUT:-/dev/stdout}"
{
  echo "### Plan"
  echo ""
  echo "| platform | runner | installer (per platform) |"
  echo "|---|---|---|"
  jq -r '.[] | "| \(.platform) | `\(."runs-on" | if type == "string" then . else tojson end)` | `\(."installer-ref")` |"' <<<"$legs"
  echo ""
  echo "Extensions: $(jq -r 'join(", ")' <<<"$extensions"). Multi-platform installer: \`$installer_ref\`."
} >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
