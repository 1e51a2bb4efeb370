#!/usr/bin/env bash
# Prepares a runner for a Talos kernel build; run by the reusable workflows before the builder
# starts. A kernel build needs about 13 GiB for the kernel-build stage alone (siderolabs/pkgs
# pull request 1156) and a standard GitHub-hosted Linux runner guarantees 14 GB free, so:
#
# - PREPARE_DISK=true: on GitHub-hosted runners (RUNNER_ENVIRONMENT=github-hosted) removes the
#   preinstalled toolchains a kernel build never uses (.NET, Android SDK, GHC, CodeQL, Boost,
#   Swift, Julia, JVMs, browsers) and prunes Docker's images, containers and build cache. On any
#   other runner (self-hosted, a local run) it removes nothing: those disks are someone's own.
#   It prints the free space before and after and how much it freed, in the log and the summary.
# - BUILDKIT_DATA_ROOT=DIR: BuildKit (the docker-container builder BUILDER_NAME that
#   docker/setup-buildx-action creates next) keeps its state, the build cache where the kernel
#   build lives, in DIR instead of Docker's data root, e.g. a larger second disk. It does so by
#   creating the builder's state volume (`buildx_buildkit_<name>0_state`) as a bind mount of DIR
#   before buildx creates the builder, which then uses that volume.
#
# PREPARE_ROOT prefixes every removed path (tests point it at a scratch tree).
set -euo pipefail

root=${PREPARE_ROOT:-}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}

as_root() {
  if [ "$(id -u)" = 0 ] || [ -n "$root" ]; then "$@"; else sudo "$@"; fi
}
avail() { df -B1 --output=avail "$1" | tail -n 1 | tr -d ' '; }
human() { numfmt --to=iec-i --suffix=B "$1"; }

if [ "${PREPARE_DISK:-true}" = true ]; then
  target=${root:-/}
  before=$(avail "$target")
  echo "free on $target before: $(human "$before")"
  if [ "${RUNNER_ENVIRONMENT:-}" = github-hosted ]; then
    for path in \
      /usr/share/dotnet /usr/local/lib/android /opt/ghc /usr/local/.ghcup \
      /opt/hostedtoolcache/CodeQL /usr/local/share/boost /usr/share/swift /usr/local/julia \
      /usr/lib/jvm /opt/microsoft /opt/google /usr/local/share/chromium \
      /usr/local/share/powershell; do
      if [ -e "$root$path" ]; then
        echo "removing $path"
        as_root rm -rf "$root$path"
      fi
    done
    echo "pruning Docker images, containers and build cache"
    docker system prune --all --force >/dev/null
  else
    echo "not a GitHub-hosted runner (RUNNER_ENVIRONMENT=${RUNNER_ENVIRONMENT:-unset}): nothing removed; free space on this runner yourself, or set prepare-disk: false"
  fi
  after=$(avail "$target")
  freed=$((after > before ? after - before : 0))
  echo "freed $(human "$freed") on $target: $(human "$after") free now"
  {
    echo "### Disk"
    echo ""
    echo "freed $(human "$freed") on \`$target\`: $(human "$before") → $(human "$after") free"
  } >>"$summary"
fi

if [ -n "${BUILDKIT_DATA_ROOT:-}" ]; then
  name=${BUILDER_NAME:?BUILDER_NAME names the buildx builder whose state moves}
  volume="buildx_buildkit_${name}0_state"
  as_root mkdir -p "$BUILDKIT_DATA_ROOT"
  if docker volume inspect "$volume" >/dev/null 2>&1; then
    echo "::error::the builder state volume $volume already exists: remove it (docker volume rm $volume) or name another builder"
    exit 1
  fi
  docker volume create --driver local --opt type=none --opt o=bind \
    --opt "device=$BUILDKIT_DATA_ROOT" "$volume" >/dev/null
  echo "BuildKit keeps its state in $BUILDKIT_DATA_ROOT ($(human "$(avail "$BUILDKIT_DATA_ROOT")") free) through volume $volume"
fi
